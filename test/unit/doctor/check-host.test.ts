// doctor's host checks: which sandbox the unit runs, and the disk under the logs.
import { describe, expect, it } from 'vitest';
import { checkLogDisk, checkSandbox, parseSandbox } from '../../../src/doctor/check-host.ts';
import { parseDetectVirt } from '../../../src/facts/system.ts';
import { host, inventory } from '../render/fixtures.ts';

const inv = inventory({ hosts: [host('lb1', '10.0.0.11')] });
const lb1 = inv.hosts[0]!;
// Captured from a lab host (systemd 252): the marker line, then systemd-analyze's last line.
const LAB =
  '# Sandbox: container (for container hosts: without PrivateDevices, …)\n→ Overall exposure level for envoy-k8s-proxy.service: 2.4 OK :-)\n';

describe('sandbox', () => {
  it('reads the installed marker and the exposure score', () => {
    expect(parseSandbox(LAB)).toEqual({ installed: 'container', exposure: { score: 2.4, level: 'OK' } });
    expect(parseSandbox('# Sandbox: full\n')).toEqual({ installed: 'full', exposure: null });
    expect(parseSandbox('')).toEqual({ installed: null, exposure: null });
  });

  it('says which sandbox a host runs, and why', () => {
    const [c] = checkSandbox(inv, lb1, 'systemd-nspawn', parseSandbox(LAB));
    expect(c).toMatchObject({ id: 'sandbox', verdict: 'ok' });
    expect(c!.summary).toBe(
      'runs the reduced sandbox for containers (without PrivateDevices, ProtectKernelModules, ProtectKernelLogs, ProtectClock, ProtectHostname, ProtectProc, PrivateIPC) (systemd-nspawn container, hardening: auto); systemd-analyze security: 2.4 OK',
    );
    expect(checkSandbox(inv, lb1, null, parseSandbox('# Sandbox: full'))[0]!.summary).toBe(
      'runs the full sandbox (not a container, hardening: auto)',
    );
  });

  it('warns when the installed sandbox is not the one the inventory gives the host', () => {
    const [c] = checkSandbox(inv, lb1, null, parseSandbox(LAB));
    expect(c).toMatchObject({
      verdict: 'warn',
      fix: '`envoy-k8s-proxy deploy --hosts prod --limit lb1` puts the full sandbox in place',
    });
    expect(checkSandbox(inv, { ...lb1, hardening: 'full' }, 'lxc', parseSandbox('# Sandbox: full'))[0]!.verdict).toBe(
      'ok',
    );
    expect(checkSandbox(inv, lb1, null, parseSandbox(''))[0]!.verdict).toBe('warn');
  });

  it('reads systemd-detect-virt --container', () => {
    expect(parseDetectVirt('systemd-nspawn\n', 0)).toBe('systemd-nspawn');
    expect(parseDetectVirt('none\n', 1)).toBeNull();
    expect(parseDetectVirt('', 127)).toBeNull();
  });
});

describe('log disk', () => {
  const df = (pct: number, avail: number) => ({
    filesystem: '/dev/vda1',
    sizeKiB: 1000,
    usedKiB: 1000 - avail,
    availableKiB: avail,
    usedPercent: pct,
    mountedOn: '/var',
  });

  it('is ok up to 90 %, warns above, fails when nothing is left', () => {
    expect(checkLogDisk(inv, { logrotate: true, disk: df(90, 100) })).toEqual([
      {
        id: 'log-disk',
        title: 'log disk',
        verdict: 'ok',
        summary: '/var/log/envoy-k8s-proxy is on /var (/dev/vda1), 90% used, 100 KiB free',
      },
    ]);
    expect(checkLogDisk(inv, { logrotate: true, disk: df(91, 90) })[0]).toMatchObject({
      verdict: 'warn',
      fix: expect.stringContaining('free space on /var'),
    });
    expect(checkLogDisk(inv, { logrotate: true, disk: df(100, 0) })[0]).toMatchObject({
      verdict: 'fail',
      summary: expect.stringMatching(/Envoy can no longer write its logs$/),
    });
  });

  it('warns when logrotate is missing, and says nothing of a directory that is not there', () => {
    expect(checkLogDisk(inv, { logrotate: false })).toEqual([
      expect.objectContaining({
        id: 'logrotate',
        verdict: 'warn',
        summary: expect.stringMatching(/^logrotate is not installed: \/etc\/logrotate\.d\/envoy-k8s-proxy never runs/),
      }),
    ]);
    expect(checkLogDisk(inv, { logrotate: true })).toEqual([]);
  });
});
