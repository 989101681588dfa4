// Active health checks. kube-apiserver serves only TLS on its port, so the readyz check speaks
// HTTPS through a transport socket that only the health checker selects; the data path keeps
// the cluster's raw_buffer socket and passes client TLS through untouched.

import type { HealthCheck } from '../inventory/types.ts';
import { duration } from './duration.ts';
import { EXTENSION, TYPE } from './type-urls.ts';

/** Metadata key the health checker matches on; endpoints never carry it, so traffic never does. */
export const HEALTH_CHECK_TLS_MATCH = { health_check_tls: true } as const;

export function renderHealthCheck(hc: HealthCheck): Record<string, unknown> {
  const check: Record<string, unknown> = {
    timeout: duration(hc.timeoutMs),
    interval: duration(hc.intervalMs),
    unhealthy_threshold: hc.unhealthyThreshold,
    healthy_threshold: hc.healthyThreshold,
  };
  // health_checker is a oneof: exactly one of these two, never both.
  if (hc.type === 'readyz') {
    check.http_health_check = { host: hc.sni, path: hc.path };
    check.transport_socket_match_criteria = { ...HEALTH_CHECK_TLS_MATCH };
  } else {
    check.tcp_health_check = {};
  }
  // Envoy checks idle clusters only every 60 s by default; a proxy that sees no traffic yet
  // (fresh host, rolling-restart gate) must still notice a dead API server at the normal pace.
  check.no_traffic_interval = duration(hc.intervalMs);
  return check;
}

/** The cluster-level sockets: raw TCP by default, TLS only for a readyz health check. */
export function transportSockets(hc: HealthCheck): Record<string, unknown> {
  const sockets: Record<string, unknown> = {
    // Explicit although it is Envoy's default: the data path must never be TLS-terminated.
    transport_socket: { name: EXTENSION.rawBuffer, typed_config: { '@type': TYPE.rawBuffer } },
  };
  if (hc.type !== 'readyz') return sockets;
  // No validation_context: the check asks "is this API server ready", it sends no secrets;
  // certificate trust stays between the real clients and the API server.
  const tls: Record<string, unknown> = { '@type': TYPE.upstreamTls, sni: hc.sni };
  sockets.transport_socket_matches = [
    {
      name: 'health_check_tls',
      match: { ...HEALTH_CHECK_TLS_MATCH },
      transport_socket: { name: EXTENSION.tls, typed_config: tls },
    },
  ];
  return sockets;
}
