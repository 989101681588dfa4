// The metrics listener shares each host with the cluster listeners and the admin interface: a
// port two of them would bind on overlapping addresses is refused here, before anything renders.
// Like rules.ts, this reads the parsed YAML defensively so it runs while other keys are broken.
import { ADMIN_DEFAULTS, CLUSTER_DEFAULTS, METRICS_DEFAULTS } from './defaults.ts';
import { CLUSTER_NAME, ipFamily } from './formats.ts';
import { describe } from './issues.ts';
import type { RuleProblem } from './rules.ts';
import { overlaps } from './rules.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const port = (v: unknown) =>
  Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? (v as number) : undefined;
const ip = (v: unknown) => (typeof v === 'string' && ipFamily(v) ? v : undefined);

/** The admin cluster the metrics route targets (render/metrics.ts): no inventory cluster may take it. */
export const RESERVED_CLUSTER = 'metrics_admin';

export function checkMetrics(root: Obj): RuleProblem[] {
  const problems: RuleProblem[] = [];
  list(root.clusters).forEach((c, i) => {
    const name = obj(c)?.name;
    if (typeof name === 'string' && CLUSTER_NAME.test(name) && name === RESERVED_CLUSTER) {
      problems.push({
        path: ['clusters', i, 'name'],
        message: `name ${describe(name)} is reserved for the metrics listener's route to the admin interface`,
      });
    }
  });
  const metrics = obj(root.metrics) ?? {};
  if (metrics.enabled === false) return problems;
  const mPort = port(metrics.port) ?? (metrics.port === undefined ? METRICS_DEFAULTS.port : undefined);
  if (mPort === undefined) return problems;
  const given = metrics.port !== undefined;
  const fixed = ip(metrics.address);
  const admin = obj(root.admin) ?? {};
  const adminPort = port(admin.port) ?? (admin.port === undefined ? ADMIN_DEFAULTS.port : undefined);
  const adminAddress = ip(admin.address) ?? ADMIN_DEFAULTS.address;
  const defaultListen = ip(obj(root.defaults)?.listenAddress) ?? CLUSTER_DEFAULTS.listenAddress;
  const hosts = list(root.hosts).map((h, k) => {
    const o = obj(h) ?? {};
    const address = ip(o.address) ?? (o.address === undefined ? ip(o.name) : undefined);
    // Mirrors metricsAddress() in render/metrics.ts.
    return {
      k,
      name: typeof o.name === 'string' ? o.name : `#${k}`,
      listen: ip(o.listenAddress),
      bind: fixed ?? address ?? ip(o.listenAddress) ?? '0.0.0.0',
    };
  });
  const seen = new Set<string>();
  // One problem per thing it collides with, named with the first host where it does; reported
  // at the key the user wrote (a default port is moved where the other side is set).
  const clash = (key: string, path: RuleProblem['path'], message: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    problems.push({ path, message });
  };
  const onHost = (h: (typeof hosts)[number], other: string) =>
    `hosts[${h.k}] (${h.name}) would bind both ${h.bind}:${mPort} and ${other}:${mPort}`;
  for (const h of hosts) {
    if (adminPort === mPort && overlaps(h.bind, adminAddress) && (given || admin.port !== undefined)) {
      if (given)
        clash('admin', ['metrics', 'port'], `${mPort} collides with the admin interface: ${onHost(h, adminAddress)}`);
      else
        clash(
          'admin',
          ['admin', 'port'],
          `${mPort} collides with the metrics listener (port ${mPort} by default; set metrics.port to move it): ${onHost(h, adminAddress)}`,
        );
    }
    list(root.clusters).forEach((raw, i) => {
      const c = obj(raw);
      if (!c || port(c.listenPort) !== mPort) return;
      const listen = h.listen ?? ip(c.listenAddress) ?? defaultListen;
      if (!overlaps(h.bind, listen)) return;
      const name = typeof c.name === 'string' ? ` (${c.name})` : '';
      if (given)
        clash(
          `cluster ${i}`,
          ['metrics', 'port'],
          `${mPort} collides with clusters[${i}].listenPort${name}: ${onHost(h, listen)}`,
        );
      else
        clash(
          `cluster ${i}`,
          ['clusters', i, 'listenPort'],
          `port ${mPort} collides with the metrics listener (port ${mPort} by default; set metrics.port to move it, or metrics.enabled: false): ${onHost(h, listen)}`,
        );
    });
  }
  return problems;
}
