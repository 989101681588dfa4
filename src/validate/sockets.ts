// The health-check-only TLS pattern: a health check's transport_socket_match_criteria must select
// one of the cluster's transport_socket_matches, and no match may catch the data path by accident.
import { isPlainObject } from './scalars.ts';
import type { Located } from './tree.ts';

type Report = (file: string, path: string, message: string) => void;

/** Envoy's label match: every key/value of the entry's `match` appears in the criteria. */
function selects(match: Record<string, unknown>, criteria: Record<string, unknown>): boolean {
  return Object.entries(match).every(([k, v]) => JSON.stringify(criteria[k]) === JSON.stringify(v));
}

export function checkHealthCheckSockets(cluster: Located<Record<string, unknown>>, report: Report): void {
  const { file, path, value: c } = cluster;
  const matches = (Array.isArray(c.transport_socket_matches) ? c.transport_socket_matches : []).filter(isPlainObject);
  matches.forEach((m, i) => {
    if (!isPlainObject(m.match) || Object.keys(m.match).length === 0) {
      report(
        file,
        `${path}.transport_socket_matches[${i}].match`,
        'an empty match selects every endpoint: the data path would use this transport socket too',
      );
    }
  });
  const checks = Array.isArray(c.health_checks) ? c.health_checks : [];
  checks.forEach((hc, i) => {
    if (!isPlainObject(hc) || !isPlainObject(hc.transport_socket_match_criteria)) return;
    const criteria = hc.transport_socket_match_criteria;
    const hit = matches.find(
      (m) => isPlainObject(m.match) && Object.keys(m.match).length > 0 && selects(m.match, criteria),
    );
    if (!hit) {
      report(
        file,
        `${path}.health_checks[${i}].transport_socket_match_criteria`,
        `selects none of the cluster's transport_socket_matches (${matches.length} defined): the health check would use the default transport socket`,
      );
    }
  });
}
