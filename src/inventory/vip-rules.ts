// The VIP across keys: VRRP moves one address between hosts of one L2 subnet, so the address must
// lie in the hosts' subnet, be nobody else's, share their IP family, and reach listeners that
// accept it. Like rules.ts, this reads the parsed YAML defensively (skipping what the schema refuses).
import { CLUSTER_DEFAULTS } from './defaults.ts';
import {
  canonicalIp,
  inSubnet,
  ipFamily,
  ipToBigInt,
  isWildcard,
  parseCidr,
  parseDuration,
  parseHostPort,
} from './formats.ts';
import { describe } from './issues.ts';
import type { RuleProblem } from './rules.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const ip = (v: unknown) => (typeof v === 'string' && ipFamily(v) ? v : undefined);
const famName = (f: 4 | 6) => (f === 4 ? 'IPv4' : 'IPv6');

/** VRRPv3 counts adverts in centiseconds in 12 bits; VRRPv2 in whole seconds, 8 bits. */
const V3_MAX_MS = 40_950;
const V2_MAX_MS = 255_000;

export function checkVip(root: Obj): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const hosts = list(root.hosts).map((h, k) => {
    const o = obj(h) ?? {};
    const name = typeof o.name === 'string' ? o.name : `#${k}`;
    const raw = o.address ?? o.name;
    return { k, name, o, raw, address: ip(raw), addressKey: o.address === undefined ? 'name' : 'address' };
  });
  const vip = obj(root.vip);
  if (!vip) {
    for (const h of hosts)
      if (h.o.vipPriority !== undefined)
        problems.push({ path: ['hosts', h.k, 'vipPriority'], message: 'has no effect without a vip: set vip.address' });
    return problems;
  }
  if (obj(root.healthListener)?.enabled === false)
    problems.push({
      path: ['healthListener', 'enabled'],
      message:
        "must stay on while vip is set: keepalived's track script polls it to move the VIP off a host that is not ready",
    });
  const cidr = typeof vip.address === 'string' ? parseCidr(vip.address) : undefined;
  if (cidr) problems.push(...checkAddress(root, cidr, hosts));
  for (const h of hosts) {
    if (h.address === undefined && typeof h.raw === 'string' && vip.peers === undefined)
      problems.push({
        path: ['hosts', h.k, h.addressKey],
        message: `expected an IP address when vip is set, found ${describe(h.raw)}: VRRP peers are addressed by IP (or set vip.peers)`,
      });
  }
  list(vip.peers).forEach((p, i) => {
    const peer = ip(p);
    if (!peer || !cidr) return;
    if (ipFamily(peer) !== cidr.family)
      problems.push({
        path: ['vip', 'peers', i],
        message: `${describe(p)} is ${famName(ipFamily(peer)!)}, the VIP ${famName(cidr.family)}`,
      });
    else if (canonicalIp(peer) === canonicalIp(cidr.address))
      problems.push({
        path: ['vip', 'peers', i],
        message: `${describe(p)} is the VIP itself, not a host's own address`,
      });
  });
  const advert = typeof vip.advertInterval === 'string' ? parseDuration(vip.advertInterval) : undefined;
  if (advert !== undefined && advert > 0) {
    if (typeof vip.auth === 'string' && (advert % 1000 !== 0 || advert > V2_MAX_MS))
      problems.push({
        path: ['vip', 'auth'],
        message: `needs a whole-second vip.advertInterval (VRRPv2), found ${describe(vip.advertInterval)}: sub-second adverts are VRRPv3, which has no authentication`,
      });
    else if (vip.auth === undefined && (advert % 10 !== 0 || advert > V3_MAX_MS))
      problems.push({
        path: ['vip', 'advertInterval'],
        message: `expected a multiple of 10ms up to 40s950ms (VRRPv3 counts centiseconds), found ${describe(vip.advertInterval)}`,
      });
  }
  return problems;
}

type HostRow = { k: number; name: string; o: Obj; address?: string; addressKey: string };

function checkAddress(root: Obj, cidr: { address: string; prefix: number; family: 4 | 6 }, hosts: HostRow[]) {
  const problems: RuleProblem[] = [];
  const at = ['vip', 'address'];
  const vipKey = canonicalIp(cidr.address);
  const add = (message: string, path: RuleProblem['path'] = at) => problems.push({ path, message });
  const bits = cidr.family === 4 ? 32 : 128;
  const hostBits = BigInt(bits - cidr.prefix);
  const low = ipToBigInt(cidr.address) & ((1n << hostBits) - 1n);
  if (cidr.family === 4 && cidr.prefix < 31 && (low === 0n || low === (1n << hostBits) - 1n))
    add(`${cidr.address} is the network or broadcast address of its /${cidr.prefix}`);
  for (const h of hosts) {
    if (!h.address) continue;
    const where = `hosts[${h.k}] (${h.name})`;
    if (ipFamily(h.address) !== cidr.family)
      add(
        `${cidr.address} is ${famName(cidr.family)} but ${where} has the ${famName(ipFamily(h.address)!)} address ${h.address}: VRRP needs one family`,
      );
    else if (canonicalIp(h.address) === vipKey) add(`${cidr.address} is already the address of ${where}`);
    else if (!inSubnet(h.address, cidr.address, cidr.prefix))
      add(
        `${cidr.address}/${cidr.prefix} does not contain ${where}'s address ${h.address}: VRRP moves an address within the hosts' subnet`,
      );
  }
  list(root.clusters).forEach((raw, i) => {
    const c = obj(raw);
    list(c?.endpoints).forEach((e, j) => {
      const hp = typeof e === 'string' ? parseHostPort(e) : undefined;
      if (hp && canonicalIp(hp.host) === vipKey)
        add(`${cidr.address} is also clusters[${i}].endpoints[${j}] (${String(e)}): the VIP would proxy to itself`);
    });
  });
  // Envoy bound to a host's own address never sees a connection to the VIP.
  const defaultListen = ip(obj(root.defaults)?.listenAddress) ?? CLUSTER_DEFAULTS.listenAddress;
  const accepts = (a: string) => isWildcard(a) && ipFamily(a) === cidr.family;
  if (!accepts(defaultListen) && obj(root.defaults)?.listenAddress !== undefined)
    add(
      `expected a wildcard (${cidr.family === 4 ? '0.0.0.0' : '::'}) when vip is set, found ${describe(defaultListen)}: a listener on it never sees connections to the VIP`,
      ['defaults', 'listenAddress'],
    );
  list(root.clusters).forEach((raw, i) => {
    const l = ip(obj(raw)?.listenAddress);
    if (l && !accepts(l))
      add(
        `expected a wildcard (${cidr.family === 4 ? '0.0.0.0' : '::'}) when vip is set, found ${describe(l)}: a listener on it never sees connections to the VIP`,
        ['clusters', i, 'listenAddress'],
      );
  });
  for (const h of hosts) {
    const l = ip(h.o.listenAddress);
    if (l && !accepts(l))
      add(
        `expected a wildcard (${cidr.family === 4 ? '0.0.0.0' : '::'}) when vip is set, found ${describe(l)}: a listener on it never sees connections to the VIP`,
        ['hosts', h.k, 'listenAddress'],
      );
  }
  return problems;
}
