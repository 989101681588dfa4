// The Any type URLs and extension names we emit, in one place so a typo shows up once.

const T = 'type.googleapis.com/';

export const TYPE = {
  listener: `${T}envoy.config.listener.v3.Listener`,
  cluster: `${T}envoy.config.cluster.v3.Cluster`,
  loadAssignment: `${T}envoy.config.endpoint.v3.ClusterLoadAssignment`,
  tcpProxy: `${T}envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy`,
  fileAccessLog: `${T}envoy.extensions.access_loggers.file.v3.FileAccessLog`,
  upstreamTls: `${T}envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext`,
  rawBuffer: `${T}envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer`,
  httpConnectionManager: `${T}envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager`,
  router: `${T}envoy.extensions.filters.http.router.v3.Router`,
  healthCheck: `${T}envoy.extensions.filters.http.health_check.v3.HealthCheck`,
  downstreamConnections: `${T}envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig`,
} as const;

export const EXTENSION = {
  tcpProxy: 'envoy.filters.network.tcp_proxy',
  httpConnectionManager: 'envoy.filters.network.http_connection_manager',
  router: 'envoy.filters.http.router',
  healthCheck: 'envoy.filters.http.health_check',
  fileAccessLog: 'envoy.access_loggers.file',
  tls: 'envoy.transport_sockets.tls',
  rawBuffer: 'envoy.transport_sockets.raw_buffer',
  globalConnections: 'envoy.resource_monitors.global_downstream_max_connections',
} as const;
