// envoy.yaml: identity, a loopback-only admin, and file-based LDS/CDS. Changing it needs a
// restart; everything that changes often lives in lds/cds/eds files Envoy reloads on rename.

import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { fileAccessLog } from './access-log.ts';
import { adminLogPath } from './logrotate.ts';
import { socketAddress } from './address.ts';
import { MAX_DOWNSTREAM_CONNECTIONS } from './limits.ts';
import { renderMetricsResources } from './metrics.ts';
import { EXTENSION, TYPE } from './type-urls.ts';

export const NODE_CLUSTER = 'envoy-k8s-proxy';

/** A ConfigSource reading one xDS file (reloaded when a new file is moved over it). */
export function fileConfigSource(path: string): Record<string, unknown> {
  return { path_config_source: { path }, resource_api_version: 'V3' };
}

export function renderBootstrap(inv: Inventory, host: HostSpec, configDir: string): Record<string, unknown> {
  const metrics = renderMetricsResources(inv, host);
  return {
    node: { id: host.name, cluster: NODE_CLUSTER },
    admin: {
      // admin.access_log_path is deprecated; the admin log is a regular access logger.
      access_log: [fileAccessLog(adminLogPath(inv))],
      // The inventory guarantees loopback: the admin API can drain and stop the proxy.
      address: socketAddress(inv.admin.address, inv.admin.port),
      // Rolling restarts must reach /ready and /drain_listeners even at the connection cap.
      ignore_global_conn_limit: true,
    },
    ...(metrics && { static_resources: metrics }),
    dynamic_resources: {
      lds_config: fileConfigSource(posix.join(configDir, 'lds.yaml')),
      cds_config: fileConfigSource(posix.join(configDir, 'cds.yaml')),
    },
    overload_manager: {
      resource_monitors: [
        {
          name: EXTENSION.globalConnections,
          typed_config: {
            '@type': TYPE.downstreamConnections,
            max_active_downstream_connections: MAX_DOWNSTREAM_CONNECTIONS,
          },
        },
      ],
    },
  };
}
