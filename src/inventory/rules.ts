// Rules across keys that a schema of one value cannot see: duplicate names and endpoints,
// listeners that would fight over a port (admin included), contradicting settings, and what the
// tool may own on a host (ownership-rules.ts). They read the parsed YAML defensively (skipping
// values the schema already rejects), so that they run even when other keys are broken and every
// problem is reported at once.
import type { KeyPath } from './locate.ts';
import { ADMIN_DEFAULTS, CLUSTER_DEFAULTS, SSH_DEFAULTS } from './defaults.ts';
import { CLUSTER_NAME, HOST_NAME, canonicalIp, ipFamily, isHostAddress, isWildcard, parseHostPort } from './formats.ts';
import { describe } from './issues.ts';
import { checkOwnership } from './ownership-rules.ts';
import { checkHealthListener, checkMetrics, checkPeerFetch } from './metrics-rules.ts';
import { checkVip } from './vip-rules.ts';

export interface RuleProblem {
  path: KeyPath;
  message: string;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown, re?: RegExp) => (typeof v === 'string' && (!re || re.test(v)) ? v : undefined);
const port = (v: unknown) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? (v as number) : undefined;
const ip = (v: unknown) => (typeof v === 'string' && ipFamily(v) ? v : undefined);

/** Two listen addresses overlap if equal, or if one is the wildcard of the other's family. */
export function overlaps(a: string, b: string): boolean {
  if (ipFamily(a) !== ipFamily(b)) return false;
  return isWildcard(a) || isWildcard(b) || canonicalIp(a) === canonicalIp(b);
}

interface Listener {
  index: number;
  name: string;
  port: number;
  address: string;
}

export function checkRules(data: unknown): RuleProblem[] {
  const root = obj(data) ?? {};
  return [
    ...checkClusters(root),
    ...checkHosts(root),
    ...checkEnvoy(root),
    ...checkMetrics(root),
    ...checkHealthListener(root),
    ...checkPeerFetch(root),
    ...checkOwnership(root),
    ...checkVip(root),
  ];
}

function checkClusters(root: Obj): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const defaultAddress = ip(obj(root.defaults)?.listenAddress) ?? CLUSTER_DEFAULTS.listenAddress;
  const clusters = list(root.clusters).map(obj);
  const names = new Map<string, number>();
  const listeners: Listener[] = [];
  clusters.forEach((c, i) => {
    if (!c) return;
    const name = text(c.name, CLUSTER_NAME);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined)
        problems.push({
          path: ['clusters', i, 'name'],
          message: `name ${describe(name)} is already used by clusters[${first}]`,
        });
      else names.set(name, i);
    }
    const seen = new Map<string, number>();
    list(c.endpoints).forEach((e, j) => {
      const hp = typeof e === 'string' ? parseHostPort(e) : undefined;
      if (!hp) return;
      const key = `${canonicalIp(hp.host)}:${hp.port}`;
      const first = seen.get(key);
      if (first !== undefined)
        problems.push({
          path: ['clusters', i, 'endpoints', j],
          message: `endpoint ${describe(e)} is listed twice (first as endpoints[${first}])`,
        });
      else seen.set(key, j);
    });
    const p = port(c.listenPort);
    if (p !== undefined)
      listeners.push({ index: i, name: name ?? `#${i}`, port: p, address: ip(c.listenAddress) ?? defaultAddress });
  });
  problems.push(...checkListeners(root, listeners));
  return problems;
}

function checkListeners(root: Obj, listeners: Listener[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  // A host's listenAddress replaces every cluster's on that host: ports may collide only there.
  const overrides = list(root.hosts)
    .map((h, k) => ({ k, name: text(obj(h)?.name) ?? `#${k}`, address: ip(obj(h)?.listenAddress) }))
    .filter((h): h is { k: number; name: string; address: string } => h.address !== undefined);
  listeners.forEach((b, j) => {
    for (const a of listeners.slice(0, j)) {
      if (a.port !== b.port) continue;
      if (overlaps(a.address, b.address)) {
        const msg =
          a.address === b.address
            ? `port ${b.port} is already used by clusters[${a.index}] (${a.name}) on ${a.address}`
            : `port ${b.port} on ${b.address} collides with clusters[${a.index}] (${a.name}) on ${a.address}`;
        problems.push({ path: ['clusters', b.index, 'listenPort'], message: msg });
        return;
      }
      const host = overrides[0];
      if (host) {
        problems.push({
          path: ['clusters', b.index, 'listenPort'],
          message: `port ${b.port} is already used by clusters[${a.index}] (${a.name}): hosts[${host.k}] (${host.name}) binds both on its listenAddress ${host.address}`,
        });
        return;
      }
    }
  });
  const admin = obj(root.admin) ?? {};
  const adminPort = port(admin.port) ?? (admin.port === undefined ? ADMIN_DEFAULTS.port : undefined);
  const adminAddress = ip(admin.address) ?? ADMIN_DEFAULTS.address;
  if (adminPort === undefined) return problems;
  for (const l of listeners) {
    if (l.port !== adminPort) continue;
    const bound = [l.address, ...overrides.map((h) => h.address)];
    if (!bound.some((addr) => overlaps(addr, adminAddress))) continue;
    if (admin.port !== undefined) {
      const via = overlaps(l.address, adminAddress)
        ? undefined
        : overrides.find((h) => overlaps(h.address, adminAddress));
      problems.push({
        path: ['admin', 'port'],
        message: via
          ? `${adminPort} collides with clusters[${l.index}].listenPort: hosts[${via.k}] (${via.name}) binds it on its listenAddress ${via.address}`
          : `${adminPort} collides with clusters[${l.index}].listenPort`,
      });
    } else {
      problems.push({
        path: ['clusters', l.index, 'listenPort'],
        message: `port ${l.port} collides with the admin interface (${adminAddress}:${adminPort} by default; set admin.port to move it)`,
      });
    }
  }
  return problems;
}

function checkHosts(root: Obj): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const globalSshPort = port(obj(root.ssh)?.port) ?? SSH_DEFAULTS.port;
  const names = new Map<string, number>();
  const addresses = new Map<string, number>();
  list(root.hosts).forEach((raw, i) => {
    const h = obj(raw);
    if (!h) return;
    const name = text(h.name, HOST_NAME);
    if (name !== undefined) {
      const first = names.get(name);
      if (first !== undefined) {
        problems.push({
          path: ['hosts', i, 'name'],
          message: `name ${describe(name)} is already used by hosts[${first}]`,
        });
        if (h.address === undefined) return; // its address is that name: one problem is enough
      } else names.set(name, i);
    }
    let address = text(h.address);
    if (address === undefined && h.address === undefined && name !== undefined) {
      if (!isHostAddress(name)) {
        problems.push({
          path: ['hosts', i, 'address'],
          message: `required key is missing (the name ${describe(name)} is not an IP address or DNS name to connect to)`,
        });
        return;
      }
      address = name;
    }
    if (address === undefined || !isHostAddress(address)) return;
    // Two entries may share an address behind port forwarding, but not address and ssh port.
    const sshPort = port(obj(h.ssh)?.port) ?? globalSshPort;
    const key = `${canonicalIp(address)} ${sshPort}`;
    const first = addresses.get(key);
    const path = h.address === undefined ? ['hosts', i, 'name'] : ['hosts', i, 'address'];
    if (first !== undefined) {
      problems.push({
        path,
        message: `address ${describe(address)} is already used by hosts[${first}] (${text(obj(list(root.hosts)[first])?.name) ?? '?'})`,
      });
    } else addresses.set(key, i);
  });
  return problems;
}

function checkEnvoy(root: Obj): RuleProblem[] {
  const envoy = obj(root.envoy);
  const problems: RuleProblem[] = [];
  if (envoy?.localFile !== undefined && envoy.fetch === 'host') {
    problems.push({
      path: ['envoy', 'fetch'],
      message:
        '"host" contradicts envoy.localFile, which is pushed from the control machine (use fetch: control, or remove localFile)',
    });
  }
  // Over plain http anyone on the path can swap the binary and checksums.txt.asc: an explicit choice.
  const mirror = text(envoy?.mirror);
  if (mirror && /^http:\/\//i.test(mirror) && envoy?.insecureMirror !== true) {
    problems.push({
      path: ['envoy', 'mirror'],
      message: `expected an https:// URL, found ${describe(mirror)}: plain http lets anyone on the path swap the download (set envoy.insecureMirror: true to allow it, e.g. for a lab mirror)`,
    });
  }
  return problems;
}
