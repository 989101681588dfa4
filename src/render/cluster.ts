// cds.yaml: one EDS cluster per API-server group. Deliberately absent: retry_policy (a route
// field, not a Cluster one) and min_health_percent (not an Envoy field at all).

import { posix } from 'node:path';
import type { ClusterSpec, Inventory } from '../inventory/types.ts';
import { fileConfigSource } from './bootstrap.ts';
import { duration } from './duration.ts';
import { renderHealthCheck, transportSockets } from './health-check.ts';
import { renderOutlierDetection } from './outlier.ts';
import { TYPE } from './type-urls.ts';

export function edsFileName(cluster: ClusterSpec): string {
  return `eds_${cluster.name}.yaml`;
}

export function renderCluster(cluster: ClusterSpec, configDir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    '@type': TYPE.cluster,
    name: cluster.name,
    type: 'EDS',
    eds_cluster_config: { eds_config: fileConfigSource(posix.join(configDir, edsFileName(cluster))) },
    connect_timeout: duration(cluster.connectTimeoutMs),
    lb_policy: cluster.lbPolicy,
    // Fail open, but only when no endpoint is healthy: at Envoy's 50 % default, two of three API
    // servers down would send new connections to the dead ones too (docs: "Panic threshold").
    common_lb_config: { healthy_panic_threshold: { value: cluster.panicThresholdPercent } },
    per_connection_buffer_limit_bytes: cluster.bufferLimitBytes,
    circuit_breakers: {
      thresholds: [
        {
          priority: 'DEFAULT',
          max_connections: cluster.maxConnections,
          // Every new TCP connection waits in the pool while it connects; the default 1024 would
          // reject a reconnect storm (all kubelets after a restart) well below max_connections.
          max_pending_requests: cluster.maxConnections,
        },
      ],
    },
    upstream_connection_options: {
      tcp_keepalive: {
        keepalive_probes: cluster.tcpKeepalive.probes,
        keepalive_time: cluster.tcpKeepalive.timeSec,
        keepalive_interval: cluster.tcpKeepalive.intervalSec,
      },
    },
    ...transportSockets(cluster.healthCheck),
    health_checks: [renderHealthCheck(cluster.healthCheck)],
    // An API server taken out of the inventory must stop getting new connections at once, even
    // while it still passes health checks (Envoy otherwise keeps it as pending_dynamic_removal).
    ignore_health_on_host_removal: true,
  };
  const outlier = renderOutlierDetection(cluster.outlierDetection);
  if (outlier) out.outlier_detection = outlier;
  return out;
}

export function renderCds(inv: Inventory, configDir: string): Record<string, unknown> {
  return { resources: inv.clusters.map((c) => renderCluster(c, configDir)) };
}
