// lds.yaml: one TCP listener per cluster, a bare tcp_proxy. No TLS inspector and no HTTP filters:
// TLS passes through untouched so client certificates reach the API server.

import type { ClusterSpec, HostSpec, Inventory } from '../inventory/types.ts';
import { tcpAccessLogs } from './access-log.ts';
import { isIpv6Any, socketAddress } from './address.ts';
import { duration } from './duration.ts';
import { EXTENSION, TYPE } from './type-urls.ts';

export function listenerName(cluster: ClusterSpec): string {
  return `listener_${cluster.name}`;
}

export function listenAddress(host: HostSpec, cluster: ClusterSpec): string {
  return host.listenAddress ?? cluster.listenAddress;
}

function tcpProxy(inv: Inventory, cluster: ClusterSpec): Record<string, unknown> {
  const typed: Record<string, unknown> = {
    '@type': TYPE.tcpProxy,
    stat_prefix: cluster.name,
    cluster: cluster.name,
    // "0s" disables it: watches stay open for hours; the 1 h default would cut them.
    idle_timeout: duration(cluster.idleTimeoutMs),
    max_connect_attempts: cluster.maxConnectAttempts,
  };
  const logs = tcpAccessLogs(inv.accessLog);
  if (logs.length > 0) typed.access_log = logs;
  return { name: EXTENSION.tcpProxy, typed_config: typed };
}

export function renderListener(inv: Inventory, host: HostSpec, cluster: ClusterSpec): Record<string, unknown> {
  const address = listenAddress(host, cluster);
  const sock = socketAddress(address, cluster.listenPort);
  // Listening on "::" should serve IPv4 clients too, as it would for any other daemon.
  if (isIpv6Any(address)) (sock.socket_address as Record<string, unknown>).ipv4_compat = true;
  return {
    '@type': TYPE.listener,
    name: listenerName(cluster),
    address: sock,
    filter_chains: [{ filters: [tcpProxy(inv, cluster)] }],
  };
}

export function renderLds(inv: Inventory, host: HostSpec): Record<string, unknown> {
  return { resources: inv.clusters.map((c) => renderListener(inv, host, c)) };
}
