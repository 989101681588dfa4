// Which host gets the release from the control machine and which fetch it from a peer (fetch:
// control): one seed per subnet, the first host of that subnet in the run; the others fetch from
// it over the LB network and verify the sha256 themselves. Pure: the run's hosts in, roles out.
import { isIP } from 'node:net';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { ipToBigInt } from '../inventory/formats.ts';

export type PeerRole =
  /** Gets the release from the control machine, then serves it to `peers`. */
  | { kind: 'seed'; address: string; peers: string[] }
  /** Fetches from `seed` (at `address`), falls back to an upload from the control machine. */
  | { kind: 'peer'; seed: string; address: string }
  /** Uploaded from the control machine; `reason` is said in the run when it is not the obvious one. */
  | { kind: 'direct'; reason?: string };

export interface PeerPlan {
  roles: Map<string, PeerRole>;
  /** Subnet → seed and peers, for the run's notes and the tests. */
  groups: { subnet: string; seed: string; peers: string[] }[];
}

/**
 * The address a host serves and is reached on by its peers: its inventory address when that is an
 * IP, else its listenAddress (a host known by a DNS name has no address to bind without a lookup).
 */
export function peerAddress(host: HostSpec): string | undefined {
  if (isIP(host.address)) return host.address;
  if (host.listenAddress && isIP(host.listenAddress) && !/^(0\.0\.0\.0|::)$/.test(host.listenAddress))
    return host.listenAddress;
  return undefined;
}

/** The hosts' subnet: the VIP's prefix when there is one (VRRP needs one subnet), else /24 or /64. */
export function subnetOf(address: string, vipPrefix?: number): string {
  const v4 = isIP(address) === 4;
  const prefix = vipPrefix ?? (v4 ? 24 : 64);
  const bits = v4 ? 32n : 128n;
  const shift = bits - BigInt(prefix);
  const base = (ipToBigInt(address) >> shift) << shift;
  return `${v4 ? v4String(base) : v6String(base)}/${prefix}`;
}

export function planPeers(inv: Inventory, hosts: HostSpec[]): PeerPlan {
  const roles = new Map<string, PeerRole>();
  const direct = (reason?: string) => {
    for (const h of hosts) roles.set(h.name, { kind: 'direct', ...(reason ? { reason } : {}) });
    return { roles, groups: [] };
  };
  if (inv.envoy.fetch === 'host' && !inv.envoy.localFile) return direct();
  if (hosts.length < 2) return direct();
  if (!inv.peerFetch.enabled) return direct();
  const bySubnet = new Map<string, { host: HostSpec; address: string }[]>();
  for (const h of hosts) {
    const address = peerAddress(h);
    if (!address) {
      roles.set(h.name, { kind: 'direct', reason: `no IP address in the inventory to fetch from a peer on` });
      continue;
    }
    const family = isIP(address);
    const vipPrefix = inv.vip && isIP(inv.vip.address) === family ? inv.vip.prefix : undefined;
    const key = subnetOf(address, vipPrefix);
    bySubnet.set(key, [...(bySubnet.get(key) ?? []), { host: h, address }]);
  }
  const groups: PeerPlan['groups'] = [];
  for (const [subnet, members] of bySubnet) {
    const [seed, ...peers] = members as [(typeof members)[number], ...typeof members];
    if (peers.length === 0) {
      roles.set(seed.host.name, { kind: 'direct', reason: `no other host of the run in ${subnet}` });
      continue;
    }
    const names = peers.map((p) => p.host.name);
    roles.set(seed.host.name, { kind: 'seed', address: seed.address, peers: names });
    for (const p of peers) roles.set(p.host.name, { kind: 'peer', seed: seed.host.name, address: seed.address });
    groups.push({ subnet, seed: seed.host.name, peers: names });
  }
  return { roles, groups };
}

function v4String(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

function v6String(n: bigint): string {
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((n >> s) & 0xffffn).toString(16));
  // the canonical form (longest run of zero groups as ::) through the URL parser
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}
