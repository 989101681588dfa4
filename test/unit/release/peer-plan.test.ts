// Seed selection as data: the run's hosts in, who uploads, who serves and who fetches out.
import { describe, expect, it } from 'vitest';
import { peerAddress, planPeers, subnetOf } from '../../../src/release/peer-plan.ts';
import type { HostSpec, Inventory } from '../../../src/inventory/types.ts';
import { host, inventory, vipSpec } from '../render/fixtures.ts';

const three = [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12'), host('lb3', '10.0.0.13')];
const roles = (inv: Inventory, hosts: HostSpec[]) => Object.fromEntries(planPeers(inv, hosts).roles);

describe('planPeers', () => {
  it('one subnet: the first host of the run seeds, the others fetch from its address', () => {
    const plan = planPeers(inventory({ hosts: three }), three);
    expect(Object.fromEntries(plan.roles)).toEqual({
      lb1: { kind: 'seed', address: '10.0.0.11', peers: ['lb2', 'lb3'] },
      lb2: { kind: 'peer', seed: 'lb1', address: '10.0.0.11' },
      lb3: { kind: 'peer', seed: 'lb1', address: '10.0.0.11' },
    });
    expect(plan.groups).toEqual([{ subnet: '10.0.0.0/24', seed: 'lb1', peers: ['lb2', 'lb3'] }]);
  });

  it('--limit: the seed is chosen among the hosts in the run', () => {
    expect(roles(inventory({ hosts: three }), three.slice(1))).toEqual({
      lb2: { kind: 'seed', address: '10.0.0.12', peers: ['lb3'] },
      lb3: { kind: 'peer', seed: 'lb2', address: '10.0.0.12' },
    });
  });

  it('several subnets: one seed each; a host alone in its subnet is uploaded to, and says why', () => {
    const hosts = [
      host('a1', '10.1.0.11'),
      host('b1', '10.2.0.11'),
      host('a2', '10.1.0.12'),
      host('b2', '10.2.0.12'),
      host('c1', '10.3.0.11'),
    ];
    const plan = planPeers(inventory({ hosts }), hosts);
    expect(plan.groups).toEqual([
      { subnet: '10.1.0.0/24', seed: 'a1', peers: ['a2'] },
      { subnet: '10.2.0.0/24', seed: 'b1', peers: ['b2'] },
    ]);
    expect(plan.roles.get('b2')).toEqual({ kind: 'peer', seed: 'b1', address: '10.2.0.11' });
    expect(plan.roles.get('c1')).toEqual({ kind: 'direct', reason: 'no other host of the run in 10.3.0.0/24' });
  });

  it("the VIP's prefix is the hosts' subnet when there is one", () => {
    const hosts = [host('a1', '10.1.0.11'), host('b1', '10.1.9.11')];
    const vip = vipSpec('10.1.0.100', { prefix: 16 });
    expect(planPeers(inventory({ hosts, vip }), hosts).groups).toEqual([
      { subnet: '10.1.0.0/16', seed: 'a1', peers: ['b1'] },
    ]);
    expect(planPeers(inventory({ hosts }), hosts).groups).toEqual([]);
  });

  it('IPv6 hosts group by /64', () => {
    const hosts = [host('lb1', 'fd00:1::11'), host('lb2', 'fd00:1::12'), host('lb3', 'fd00:2::11')];
    const plan = planPeers(inventory({ hosts }), hosts);
    expect(plan.groups).toEqual([{ subnet: 'fd00:1::/64', seed: 'lb1', peers: ['lb2'] }]);
    expect(plan.roles.get('lb2')).toEqual({ kind: 'peer', seed: 'lb1', address: 'fd00:1::11' });
  });

  it('a host known by a DNS name uses its listenAddress, else it is uploaded to', () => {
    const hosts = [
      host('lb1', 'lb1.example.com', { listenAddress: '10.0.0.11' }),
      host('lb2', 'lb2.example.com'),
      host('lb3', '10.0.0.13'),
    ];
    expect(roles(inventory({ hosts }), hosts)).toEqual({
      lb1: { kind: 'seed', address: '10.0.0.11', peers: ['lb3'] },
      lb2: { kind: 'direct', reason: 'no IP address in the inventory to fetch from a peer on' },
      lb3: { kind: 'peer', seed: 'lb1', address: '10.0.0.11' },
    });
    expect(peerAddress(host('x', 'x.example.com', { listenAddress: '0.0.0.0' }))).toBeUndefined();
  });

  it('off: one host, peerFetch.enabled: false, or fetch: host (each host downloads)', () => {
    const direct = { lb1: { kind: 'direct' }, lb2: { kind: 'direct' }, lb3: { kind: 'direct' } };
    expect(roles(inventory({ hosts: three }), three.slice(0, 1))).toEqual({ lb1: { kind: 'direct' } });
    expect(roles(inventory({ hosts: three, peerFetch: { enabled: false, port: 9904 } }), three)).toEqual(direct);
    const host = inventory({ hosts: three });
    expect(roles({ ...host, envoy: { ...host.envoy, fetch: 'host' } }, three)).toEqual(direct);
    // a local file is pushed from the control machine whatever fetch says
    expect(roles({ ...host, envoy: { ...host.envoy, fetch: 'host', localFile: '/x' } }, three).lb2).toEqual({
      kind: 'peer',
      seed: 'lb1',
      address: '10.0.0.11',
    });
  });
});

describe('subnetOf', () => {
  it.each([
    ['10.223.0.13', undefined, '10.223.0.0/24'],
    ['10.223.7.13', 20, '10.223.0.0/20'],
    ['192.168.1.200', 25, '192.168.1.128/25'],
    ['fd00:1:2:3:4::1', undefined, 'fd00:1:2:3::/64'],
    ['fd00::1', 48, 'fd00::/48'],
  ])('%s /%s → %s', (address, prefix, want) => {
    expect(subnetOf(address, prefix)).toBe(want);
  });
});
