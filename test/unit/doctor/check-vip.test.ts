// Doctor's VIP checks from a host's view: keepalived, VRRP state, the address against the state,
// and the VIP's answer on each listener port.
import { describe, expect, it } from 'vitest';
import { checkVip, vipPortsFact } from '../../../src/doctor/check-vip.ts';
import type { Inventory } from '../../../src/inventory/types.ts';
import { cluster, host, inventory, vipSpec } from '../render/fixtures.ts';

const lb1 = host('lb1', '10.0.0.11');
const inv: Inventory = {
  ...inventory({
    hosts: [lb1, host('lb2', '10.0.0.12')],
    clusters: [
      cluster('a', 6443, [{ host: '10.0.0.21', port: 6443 }]),
      cluster('b', 6444, [{ host: '10.0.0.22', port: 6443 }]),
    ],
  }),
  vip: vipSpec('10.0.0.100'),
};
const ports = new Map([
  [6443, true],
  [6444, true],
]);
const verdicts = (cs: { id: string; verdict: string }[]) => Object.fromEntries(cs.map((c) => [c.id, c.verdict]));

describe('checkVip', () => {
  it('is all ok on the holder and on a ready backup', () => {
    const holder = checkVip(inv, lb1, { holds: true, keepalived: 'active', vrrp: 'MASTER' }, ports);
    expect(verdicts(holder)).toEqual({
      'vip:keepalived': 'ok',
      'vip:vrrp': 'ok',
      'vip:address': 'ok',
      'vip:port:6443': 'ok',
      'vip:port:6444': 'ok',
    });
    expect(holder.find((c) => c.id === 'vip:vrrp')!.summary).toBe('MASTER (holds the VIP)');
    const backup = checkVip(inv, lb1, { holds: false, keepalived: 'active', vrrp: 'BACKUP' }, ports);
    expect(backup.every((c) => c.verdict === 'ok')).toBe(true);
    // a backup reaches only its own lo copy of the VIP: its ports are the holder's to check
    const silent = new Map([
      [6443, false],
      [6444, false],
    ]);
    expect(checkVip(inv, lb1, { holds: false, keepalived: 'active', vrrp: 'BACKUP' }, silent).map((c) => c.id)).toEqual(
      ['vip:keepalived', 'vip:vrrp', 'vip:address'],
    );
  });

  it('fails FAULT, an address without MASTER, a stopped keepalived and a silent port', () => {
    const fault = checkVip(inv, lb1, { holds: true, keepalived: 'active', vrrp: 'FAULT' }, new Map([[6443, true]]));
    expect(verdicts(fault)).toMatchObject({ 'vip:vrrp': 'fail', 'vip:address': 'fail', 'vip:port:6444': 'fail' });
    expect(fault.find((c) => c.id === 'vip:address')!.summary).toMatch(/keepalived is not MASTER: it answers ARP/);
    const stopped = checkVip(inv, lb1, { holds: false, keepalived: 'inactive', vrrp: 'BACKUP' }, ports);
    expect(verdicts(stopped)).toMatchObject({ 'vip:keepalived': 'fail', 'vip:address': 'ok' });
    expect(stopped.find((c) => c.id === 'vip:keepalived')!.fix).toContain('deploy --hosts');
  });

  it('says nothing without a VIP; the port probe covers each listener port once', () => {
    expect(
      checkVip({ ...inv, vip: undefined }, lb1, { holds: false, keepalived: 'inactive', vrrp: null }, ports),
    ).toEqual([]);
    const fact = vipPortsFact(inv);
    expect(fact.script).toContain('/dev/tcp/10.0.0.100/6443');
    expect(fact.script).toContain('/dev/tcp/10.0.0.100/6444');
    expect(fact.parse('6443 ok\n6444 fail\n', 0)).toEqual(
      new Map([
        [6443, true],
        [6444, false],
      ]),
    );
  });
});
