import { describe, expect, it } from 'vitest';
import { formatKiB, parseDf } from '../../../src/doctor/parse-df.ts';

// Captured from a lab host (coreutils 9.1, `df -P /var/log`) and from this machine.
const LAB = `Filesystem     1024-blocks     Used Available Capacity Mounted on
overlay          264212084 24492488  81898424      24% /
`;

describe('parseDf', () => {
  it('reads the filesystem line of df -P', () => {
    expect(parseDf(LAB)).toEqual({
      filesystem: 'overlay',
      sizeKiB: 264212084,
      usedKiB: 24492488,
      availableKiB: 81898424,
      usedPercent: 24,
      mountedOn: '/',
    });
  });

  it('keeps a mount point with spaces and reads a full disk', () => {
    const out =
      'Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sdb1 1000 1000 0 100% /var/log/my logs\n';
    expect(parseDf(out)).toMatchObject({
      filesystem: '/dev/sdb1',
      usedPercent: 100,
      availableKiB: 0,
      mountedOn: '/var/log/my logs',
    });
  });

  it('reads 91 % as above the doctor threshold, not 9 or 1', () => {
    expect(parseDf('tmpfs 100 91 9 91% /run')?.usedPercent).toBe(91);
  });

  it('gives nothing for a missing directory or a header alone', () => {
    expect(parseDf('df: /var/log/envoy-k8s-proxy: No such file or directory\n')).toBeUndefined();
    expect(parseDf('Filesystem 1024-blocks Used Available Capacity Mounted on\n')).toBeUndefined();
    expect(parseDf('')).toBeUndefined();
  });

  it('formats sizes for people', () => {
    expect(formatKiB(81898424)).toBe('78.1 GiB');
    expect(formatKiB(512)).toBe('512 KiB');
    expect(formatKiB(0)).toBe('0 KiB');
  });
});
