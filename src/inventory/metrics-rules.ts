// The metrics listener's own rules: its reserved admin cluster name, and its port, checked like the
// health listener's (side-listener-rules.ts). Like rules.ts, this reads the parsed YAML defensively.
import { CLUSTER_NAME } from './formats.ts';
import { describe } from './issues.ts';
import type { RuleProblem } from './rules.ts';
import { HEALTH_SIDE, METRICS_SIDE, PEER_FETCH_SIDE, checkSideListener } from './side-listener-rules.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

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
  return [...problems, ...checkSideListener(root, METRICS_SIDE)];
}

/** The health listener against the admin interface, the cluster listeners and the metrics listener. */
export function checkHealthListener(root: Obj): RuleProblem[] {
  return checkSideListener(root, HEALTH_SIDE, [METRICS_SIDE]);
}

/** The seed's release server: only with peers, and in fetch: control mode (fetch: host never starts it). */
export function checkPeerFetch(root: Obj): RuleProblem[] {
  if (list(root.hosts).length < 2) return [];
  if (obj(root.envoy)?.fetch === 'host' && obj(root.envoy)?.localFile === undefined) return [];
  return checkSideListener(root, PEER_FETCH_SIDE, [METRICS_SIDE, HEALTH_SIDE]);
}
