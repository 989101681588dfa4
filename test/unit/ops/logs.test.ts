// logs: the remote command per mode, and splitting streamed chunks into prefixed lines.
import { describe, expect, it } from 'vitest';
import { prodInventory } from '../render/fixtures.ts';
import { LineSplitter, hostPrefix, logArgv } from '../../../src/ops/logs.ts';

const inv = prodInventory();

describe('logArgv', () => {
  it('journalctl for the unit, with -n, --since and -f', () => {
    expect(logArgv(inv, { access: false, lines: 5, since: '10 min ago', follow: true })).toEqual([
      'journalctl', '-u', 'envoy-k8s-proxy.service', '--no-pager', '--no-hostname', '-o', 'short-iso', '-n', '5', '--since', '10 min ago', '-f',
    ]);
  });
  it('tail of the access log: -F to follow across rotation; a missing file is not an error without -f', () => {
    const follow = logArgv(inv, { access: true, lines: 3, follow: true });
    expect(follow.slice(0, 2)).toEqual(['sh', '-c']);
    expect(follow[2]).toBe('exec tail -n 3 -F -- "$1"');
    expect(follow.at(-1)).toBe(inv.accessLog.path);
    expect(logArgv(inv, { access: true, lines: 3, follow: false })[2]).toMatch(/^\[ -e "\$1" \] \|\| .*exec tail -n 3 -- "\$1"$/);
  });
});

describe('LineSplitter', () => {
  it('emits whole lines across chunk boundaries and the tail on flush', () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    s.push('one\ntw');
    s.push(Buffer.from('o\r\nthr'));
    expect(lines).toEqual(['one', 'two']);
    s.flush();
    expect(lines).toEqual(['one', 'two', 'thr']);
  });
  it('prefixes pad host names; colour only when asked', () => {
    expect(hostPrefix('lb1', 0, 5, false)).toBe('lb1   | ');
    expect(hostPrefix('lb1', 0, 5, true)).toBe('\x1b[36mlb1  \x1b[0m | ');
  });
});
