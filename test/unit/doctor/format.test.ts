import { describe, expect, it } from 'vitest';
import { formatFleet, formatHost } from '../../../src/doctor/format.ts';
import { check, worst, type HostReport } from '../../../src/doctor/types.ts';

const plain = { color: false };

function host(name: string, checks: HostReport['checks']): HostReport {
  return {
    host: name,
    address: `10.0.0.${name.slice(2)}`,
    verdict: worst(checks.map((c) => c.verdict)),
    checks,
    ms: 420,
    roundTrips: 1,
  };
}

describe('doctor verdicts', () => {
  it('worst verdict wins; an empty list is ok', () => {
    expect(worst([])).toBe('ok');
    expect(worst(['ok', 'warn', 'ok'])).toBe('warn');
    expect(worst(['warn', 'fail', 'ok'])).toBe('fail');
  });

  it('a fix is kept only on lines that are not ok', () => {
    expect(check('a', 'a', 'ok', 'fine', { fix: 'nothing' }).fix).toBeUndefined();
    expect(check('a', 'a', 'fail', 'broken', { fix: 'restart' }).fix).toBe('restart');
  });
});

describe('doctor text', () => {
  const lb2 = host('lb2', [
    check('ssh', 'ssh', 'ok', 'root@10.0.0.2:22 in 40 ms'),
    check(
      'endpoint:c:10.0.0.9:6443',
      'endpoint 10.0.0.9:6443',
      'fail',
      'TCP connect failed after 1 ms: Connection refused',
      { fix: 'is the API server running?' },
    ),
    check('journal', 'journal', 'warn', '1 warning/error line(s)', {
      details: ['2026-01-01T00:00:00Z lb2 envoy[1]: caught SIGTERM'],
      fix: 'journalctl -u envoy-k8s-proxy.service -n 100',
    }),
  ]);

  it('one line per check, aligned, with details and the fix indented under it', () => {
    expect(formatHost(lb2, plain)).toBe(
      [
        'lb2 (10.0.0.2) fail: 1 ok, 1 warn, 1 fail (0.4 s, 1 round trip)',
        '  ok    ssh                     root@10.0.0.2:22 in 40 ms',
        '  fail  endpoint 10.0.0.9:6443  TCP connect failed after 1 ms: Connection refused',
        '                                fix: is the API server running?',
        '  warn  journal                 1 warning/error line(s)',
        '                                2026-01-01T00:00:00Z lb2 envoy[1]: caught SIGTERM',
        '                                fix: journalctl -u envoy-k8s-proxy.service -n 100',
      ].join('\n'),
    );
  });

  it('the fleet line names failing and warning hosts', () => {
    const lb1 = host('lb1', [check('ssh', 'ssh', 'ok', 'fine')]);
    const lb3 = host('lb3', [check('journal', 'journal', 'warn', 'x')]);
    const text = formatFleet({ inventory: 'hosts/x.yaml', verdict: 'fail', hosts: [lb1, lb2, lb3] }, plain);
    expect(text.split('\n').pop()).toBe('3 hosts: 1 failing (lb2), 1 with warnings (lb3)');
    expect(
      formatFleet({ inventory: 'x', verdict: 'ok', hosts: [lb1] }, plain)
        .split('\n')
        .pop(),
    ).toBe('1 host: none failing');
  });

  it('colours only when asked', () => {
    expect(formatHost(lb2, { color: true })).toContain('\x1b[31mfail');
    expect(formatHost(lb2, plain)).not.toContain('\x1b[');
  });
});
