// The metrics and health listeners share each host with the cluster listeners, the admin
// interface and each other: a port two of them would bind on overlapping addresses is refused
// here, before anything renders. Like rules.ts, this reads the parsed YAML defensively so it runs
// while other keys are broken.
import {
  ADMIN_DEFAULTS,
  CLUSTER_DEFAULTS,
  HEALTH_LISTENER_DEFAULTS,
  METRICS_DEFAULTS,
  PEER_FETCH_DEFAULTS,
} from './defaults.ts';
import { ipFamily } from './formats.ts';
import type { RuleProblem } from './rules.ts';
import { overlaps } from './rules.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const port = (v: unknown) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? (v as number) : undefined;
const ip = (v: unknown) => (typeof v === 'string' && ipFamily(v) ? v : undefined);

/** An HTTP listener the tool adds next to the proxying ones, under its own inventory key. */
export interface SideListener {
  key: 'metrics' | 'healthListener' | 'peerFetch';
  label: string;
  defaultPort: number;
}

export const METRICS_SIDE: SideListener = {
  key: 'metrics',
  label: 'metrics listener',
  defaultPort: METRICS_DEFAULTS.port,
};
export const HEALTH_SIDE: SideListener = {
  key: 'healthListener',
  label: 'health listener',
  defaultPort: HEALTH_LISTENER_DEFAULTS.port,
};

/** The seed's temporary release server (release/peer-server.ts): on the host's own address too. */
export const PEER_FETCH_SIDE: SideListener = {
  key: 'peerFetch',
  label: "seed's release server",
  defaultPort: PEER_FETCH_DEFAULTS.port,
};

interface Placed {
  port: number;
  /** The user wrote the port (a clash is reported there), or it is the default. */
  given: boolean;
  /** Per host, what it binds: mirrors metricsAddress() / healthListenerAddress() in src/render. */
  binds: { k: number; name: string; listen?: string; bind: string }[];
}

function place(root: Obj, side: SideListener): Placed | undefined {
  const o = obj(root[side.key]) ?? {};
  if (o.enabled === false) return undefined;
  const p = port(o.port) ?? (o.port === undefined ? side.defaultPort : undefined);
  if (p === undefined) return undefined;
  const fixed = ip(o.address);
  const binds = list(root.hosts).map((h, k) => {
    const ho = obj(h) ?? {};
    const address = ip(ho.address) ?? (ho.address === undefined ? ip(ho.name) : undefined);
    const listen = ip(ho.listenAddress);
    return {
      k,
      name: typeof ho.name === 'string' ? ho.name : `#${k}`,
      listen,
      bind: fixed ?? address ?? listen ?? '0.0.0.0',
    };
  });
  return { port: p, given: o.port !== undefined, binds };
}

/** Clashes of `me` with the admin interface, every cluster listener and each of `peers`. */
export function checkSideListener(root: Obj, me: SideListener, peers: SideListener[] = []): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const mine = place(root, me);
  if (!mine) return problems;
  const mPort = mine.port;
  const admin = obj(root.admin) ?? {};
  const adminPort = port(admin.port) ?? (admin.port === undefined ? ADMIN_DEFAULTS.port : undefined);
  const adminAddress = ip(admin.address) ?? ADMIN_DEFAULTS.address;
  const defaultListen = ip(obj(root.defaults)?.listenAddress) ?? CLUSTER_DEFAULTS.listenAddress;
  const moveMe = `(port ${mPort} by default; set ${me.key}.port to move it`;
  const seen = new Set<string>();
  // One problem per thing it collides with, named with the first host where it does; reported
  // at the key the user wrote (a default port is moved where the other side is set).
  const clash = (key: string, path: RuleProblem['path'], message: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ path, message });
  };
  const onHost = (h: Placed['binds'][number], other: string) =>
    `hosts[${h.k}] (${h.name}) would bind both ${h.bind}:${mPort} and ${other}:${mPort}`;
  for (const h of mine.binds) {
    if (adminPort === mPort && overlaps(h.bind, adminAddress) && (mine.given || admin.port !== undefined)) {
      if (mine.given)
        clash('admin', [me.key, 'port'], `${mPort} collides with the admin interface: ${onHost(h, adminAddress)}`);
      else
        clash(
          'admin',
          ['admin', 'port'],
          `${mPort} collides with the ${me.label} ${moveMe}): ${onHost(h, adminAddress)}`,
        );
    }
    for (const peer of peers) {
      const theirs = place(root, peer);
      const other = theirs?.binds[h.k]?.bind;
      if (!theirs || theirs.port !== mPort || other === undefined || !overlaps(h.bind, other)) continue;
      if (!mine.given && !theirs.given) continue; // two different defaults never meet
      if (mine.given)
        clash(peer.key, [me.key, 'port'], `${mPort} collides with the ${peer.label}: ${onHost(h, other)}`);
      else
        clash(peer.key, [peer.key, 'port'], `${mPort} collides with the ${me.label} ${moveMe}): ${onHost(h, other)}`);
    }
    list(root.clusters).forEach((raw, i) => {
      const c = obj(raw);
      if (!c || port(c.listenPort) !== mPort) return;
      const listen = h.listen ?? ip(c.listenAddress) ?? defaultListen;
      if (!overlaps(h.bind, listen)) return;
      const name = typeof c.name === 'string' ? ` (${c.name})` : '';
      if (mine.given)
        clash(
          `cluster ${i}`,
          [me.key, 'port'],
          `${mPort} collides with clusters[${i}].listenPort${name}: ${onHost(h, listen)}`,
        );
      else
        clash(
          `cluster ${i}`,
          ['clusters', i, 'listenPort'],
          `port ${mPort} collides with the ${me.label} ${moveMe}, or ${me.key}.enabled: false): ${onHost(h, listen)}`,
        );
    });
  }
  return problems;
}
