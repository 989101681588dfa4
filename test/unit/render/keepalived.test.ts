// keepalived.conf for the VIP: the production-shaped render is compared byte for byte with a
// reviewed copy (UPDATE_GOLDEN=1 regenerates it), and each inventory knob is seen in the output.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Inventory, VipSpec } from '../../../src/inventory/types.ts';
import { renderKeepalived, vipPeers } from '../../../src/render/keepalived.ts';
import { host, prodInventory, vipSpec } from './fixtures.ts';

const golden = join(import.meta.dirname, 'golden', 'vip-lb1', 'keepalived.conf');
const update = process.env.UPDATE_GOLDEN === '1';
const inputs = { interface: 'eth0', healthUrl: 'http://192.168.1.11:9903/healthz' };

function withVip(vip: Partial<VipSpec> = {}): Inventory {
  const inv = prodInventory();
  return {
    ...inv,
    hosts: [inv.hosts[0]!, host('lb2', '192.168.1.12'), { ...host('lb3', '192.168.1.13'), vipPriority: 150 }],
    vip: vipSpec('192.168.1.100', vip),
  };
}

describe('keepalived.conf', () => {
  it('matches golden/vip-lb1/keepalived.conf', () => {
    const inv = withVip();
    const file = renderKeepalived(inv, inv.hosts[0]!, inputs);
    expect([file.name, file.mode]).toEqual(['keepalived.conf', 0o640]);
    if (update) writeFileSync(golden, file.content);
    expect(file.content).toBe(readFileSync(golden, 'utf8'));
  });

  it('is VRRPv3 unicast to every other host, non-preemptive, tracking this host only', () => {
    const inv = withVip();
    const text = renderKeepalived(inv, inv.hosts[1]!, {
      ...inputs,
      healthUrl: 'http://192.168.1.12:9903/healthz',
    }).content;
    expect(text).toContain('vrrp_version 3');
    expect(text).toContain('advert_int 0.2');
    expect(text).toContain('nopreempt');
    expect(text).toContain('unicast_src_ip 192.168.1.12');
    expect(text).toMatch(/unicast_peer \{\n {4}192\.168\.1\.11\n {4}192\.168\.1\.13\n {2}\}/);
    expect(text).toContain('-m 1 http://192.168.1.12:9903/healthz"');
    expect(text).toContain('192.168.1.100/24 dev eth0');
    expect(text).toContain('priority 100');
    expect(text).not.toContain('authentication');
  });

  it('applies per-host priority, preempt, a fixed interface, explicit peers and VRRPv2 auth', () => {
    const inv = withVip({
      preempt: true,
      interface: 'bond0',
      peers: ['192.168.1.13', '192.168.1.50'],
      auth: 's3cret',
      advertIntervalMs: 1000,
    });
    const text = renderKeepalived(inv, inv.hosts[2]!, inputs).content;
    expect(text).toContain('priority 150');
    expect(text).not.toContain('nopreempt');
    expect(text).toContain('interface bond0');
    expect(text).toContain('192.168.1.100/24 dev bond0');
    expect(text).toContain('vrrp_version 2');
    expect(text).toContain('advert_int 1\n');
    expect(text).toContain('auth_pass s3cret');
    // a host never lists itself as its own peer
    expect(vipPeers(inv, inv.vip!, inv.hosts[2]!)).toEqual(['192.168.1.50']);
  });

  it('is deterministic and refuses an inventory without a VIP', () => {
    const inv = withVip();
    expect(renderKeepalived(inv, inv.hosts[0]!, inputs)).toEqual(renderKeepalived(inv, inv.hosts[0]!, inputs));
    expect(() => renderKeepalived(prodInventory(), prodInventory().hosts[0]!, inputs)).toThrow(/inv.vip/);
  });
});
