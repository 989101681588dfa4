// lds.yaml: one TCP listener per cluster, a bare tcp_proxy. No TLS inspector and no HTTP filters:
// TLS passes through untouched so client certificates reach the API server. Then the health
// listener (health-listener.ts), when on.

import type { ClusterSpec, HostSpec, Inventory, TcpKeepalive } from '../inventory/types.ts';
import { tcpAccessLogs } from './access-log.ts';
import { isIpv6Any, socketAddress } from './address.ts';
import { duration } from './duration.ts';
import { EXTENSION, TYPE } from './type-urls.ts';
import { renderHealthListener } from './health-listener.ts';

// Linux socket option numbers (asm-generic/socket.h, netinet/tcp.h).
const SOL_SOCKET = 1;
const SO_KEEPALIVE = 9;
const IPPROTO_TCP = 6;
const TCP_KEEPIDLE = 4;
const TCP_KEEPINTVL = 5;
const TCP_KEEPCNT = 6;

/** SO_KEEPALIVE and its timers, set before bind on the listening socket. */
export function keepaliveSocketOptions(k: TcpKeepalive): Record<string, unknown>[] {
  const opt = (level: number, name: number, value: number, description: string) => ({
    description,
    level,
    name,
    int_value: value,
    state: 'STATE_PREBIND',
  });
  return [
    opt(SOL_SOCKET, SO_KEEPALIVE, 1, 'SO_KEEPALIVE'),
    opt(IPPROTO_TCP, TCP_KEEPIDLE, k.timeSec, 'TCP_KEEPIDLE'),
    opt(IPPROTO_TCP, TCP_KEEPINTVL, k.intervalSec, 'TCP_KEEPINTVL'),
    opt(IPPROTO_TCP, TCP_KEEPCNT, k.probes, 'TCP_KEEPCNT'),
  ];
}

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
  if (logs.length > 0) {
    typed.access_log = logs;
    // A line when the upstream connects, not only when the connection ends: day-long watches show.
    typed.access_log_options = { flush_access_log_on_connected: true };
  }
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
    per_connection_buffer_limit_bytes: cluster.bufferLimitBytes,
    // Listener has no tcp_keepalive field: Linux copies these from the listening socket to every
    // accepted one, so dead clients are found and their descriptors freed under idle_timeout 0s.
    socket_options: keepaliveSocketOptions(cluster.tcpKeepalive),
  };
}

export function renderLds(inv: Inventory, host: HostSpec): Record<string, unknown> {
  const resources = inv.clusters.map((c) => renderListener(inv, host, c));
  if (inv.healthListener.enabled) resources.push(renderHealthListener(inv, host));
  return { resources };
}
