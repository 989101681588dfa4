// Built-in defaults, written in the inventory's own language (YAML keys, duration strings), so
// that a user's `defaults:` block and a cluster override merge with them key by key.
import type { RawDefaults, RawInventory, RawSsh } from './schema.ts';

/** Every key present, recursively: the shape of a layer that the others merge onto. */
export type Filled<T> = {
  [K in keyof T]-?: NonNullable<T[K]> extends Record<string, unknown> ? Filled<NonNullable<T[K]>> : NonNullable<T[K]>;
};
export type ClusterDefaults = Filled<RawDefaults>;
export type SshDefaults = Omit<Filled<RawSsh>, 'identityFile' | 'proxyJump'> &
  Pick<RawSsh, 'identityFile' | 'proxyJump'>;
type RawEnvoy = NonNullable<RawInventory['envoy']>;
export type EnvoyDefaults = Filled<Pick<RawEnvoy, 'version' | 'fetch' | 'logLevel'>> &
  Omit<RawEnvoy, 'version' | 'fetch' | 'logLevel'>;

/** Every cluster setting. */
export const CLUSTER_DEFAULTS: ClusterDefaults = {
  listenAddress: '0.0.0.0',
  lbPolicy: 'ROUND_ROBIN',
  // A hung API server is out within 2.6 s and back within ~1 s (docs/operations.md, "Health");
  // kube-apiserver's serving certificate always names `kubernetes` (the service's short name).
  healthCheck: {
    type: 'readyz',
    path: '/readyz',
    interval: '500ms',
    timeout: '800ms',
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    sni: 'kubernetes',
  },
  outlierDetection: {
    enabled: true,
    consecutiveLocalOriginFailure: 5,
    interval: '10s',
    baseEjectionTime: '30s',
    maxEjectionPercent: 50,
  },
  connectTimeout: '5s',
  tcpKeepalive: { probes: 3, time: '30s', interval: '10s' },
  // API watches (kubectl get -w, logs -f) stay open for hours: no idle cut-off unless asked for.
  idleTimeout: '0s',
  maxConnectAttempts: 3,
  maxConnections: 10000,
  // 1 %: one healthy endpoint takes all new connections; none healthy → all endpoints (fail open).
  panicThreshold: 1,
  // Two full TLS records (16 KiB each) per direction; Envoy's 1 MiB default × 2 sides × 10000
  // connections would be 20 GiB of buffers.
  bufferLimitBytes: 32768,
};

export const SSH_DEFAULTS: SshDefaults = {
  user: 'root',
  port: 22,
  knownHosts: '~/.ssh/known_hosts',
  hostKeyChecking: 'strict',
  become: false,
  connectTimeout: '10s',
  // a hung host fails alone instead of stalling the run; long steps set their own, larger ones
  commandTimeout: '60s',
};

export const ENVOY_DEFAULTS: EnvoyDefaults = { version: '1.35.0', fetch: 'control', logLevel: 'info' };

// The admin API can drain and stop Envoy without authentication: loopback only.
export const ADMIN_DEFAULTS: Filled<NonNullable<RawInventory['admin']>> = { address: '127.0.0.1', port: 10000 };

export const ROLLING_DEFAULTS: Filled<NonNullable<RawInventory['rolling']>> = {
  serial: 1,
  drain: '5s',
  healthTimeout: '60s',
  minHealthyEndpoints: 1,
  maxFailPercent: 0,
  soak: '3s',
  maxConnectFailures: 5,
  hotRestart: 'auto',
};

export const ACCESS_LOG_DEFAULTS: Filled<NonNullable<RawInventory['accessLog']>> = {
  enabled: true,
  path: '/var/log/envoy-k8s-proxy/access.log',
};

// Next to Envoy's conventional admin port 9901; the address is chosen per host (render/metrics.ts).
export const METRICS_DEFAULTS: Filled<Omit<NonNullable<RawInventory['metrics']>, 'address'>> = {
  enabled: true,
  port: 9902,
};

// 200 ms adverts (VRRPv3): a dead holder is declared gone after 3 adverts + skew, ~0.7 s.
export const VIP_DEFAULTS = {
  routerId: 51,
  advertInterval: '200ms',
  preempt: false,
  priority: 100,
  textfileDir: '/var/lib/prometheus/node-exporter',
} as const;

// Next to the metrics port; like it, the address is chosen per host (render/health-listener.ts).
export const HEALTH_LISTENER_DEFAULTS: Filled<Omit<NonNullable<RawInventory['healthListener']>, 'address'>> = {
  enabled: true,
  port: 9903,
};

// Next to the health listener's port; bound on the seed's own address only while a run needs it.
export const PEER_FETCH_DEFAULTS: Filled<NonNullable<RawInventory['peerFetch']>> = { enabled: true, port: 9904 };

export const PATHS_DEFAULTS: Filled<NonNullable<RawInventory['paths']>> = {
  installDir: '/opt/envoy-k8s-proxy',
  configDir: '/etc/envoy-k8s-proxy',
  logDir: '/var/log/envoy-k8s-proxy',
  user: 'envoy',
  group: 'envoy',
};

/**
 * Later layers win; nested plain objects merge key by key, lists and scalars are replaced, and
 * absent (undefined) keys never erase a value from an earlier layer.
 */
export function deepMerge<T extends object>(base: T, ...layers: readonly (object | undefined)[]): T {
  const out: Record<string, unknown> = {};
  for (const layer of [base, ...layers]) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const prev = out[key];
      out[key] = isPlainObject(value) && isPlainObject(prev) ? deepMerge<object>(prev, value) : value;
    }
  }
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
