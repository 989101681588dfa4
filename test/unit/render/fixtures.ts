// Resolved inventories built in code, with the loader's documented defaults.

import type { ClusterSpec, Endpoint, HostSpec, Inventory, SshSpec, VipSpec } from '../../../src/inventory/types.ts';

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer U)[] ? U[] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

const ssh: SshSpec = {
  user: 'root',
  port: 22,
  knownHosts: '/root/.ssh/known_hosts',
  hostKeyChecking: 'strict',
  become: false,
  connectTimeoutMs: 10000,
  commandTimeoutMs: 60000,
};

export function cluster(
  name: string,
  listenPort: number,
  endpoints: Endpoint[],
  over: DeepPartial<ClusterSpec> = {},
): ClusterSpec {
  return {
    name,
    listenAddress: over.listenAddress ?? '0.0.0.0',
    listenPort,
    lbPolicy: over.lbPolicy ?? 'ROUND_ROBIN',
    endpoints,
    healthCheck: {
      type: 'readyz',
      path: '/readyz',
      intervalMs: 500,
      timeoutMs: 800,
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      sni: 'kubernetes',
      ...over.healthCheck,
    },
    outlierDetection: {
      enabled: true,
      consecutiveLocalOriginFailure: 5,
      intervalMs: 10000,
      baseEjectionTimeMs: 30000,
      maxEjectionPercent: 50,
      ...over.outlierDetection,
    },
    connectTimeoutMs: over.connectTimeoutMs ?? 5000,
    panicThresholdPercent: over.panicThresholdPercent ?? 1,
    bufferLimitBytes: over.bufferLimitBytes ?? 32768,
    tcpKeepalive: { probes: 3, timeSec: 30, intervalSec: 10, ...over.tcpKeepalive },
    idleTimeoutMs: over.idleTimeoutMs ?? 0,
    maxConnectAttempts: over.maxConnectAttempts ?? 3,
    maxConnections: over.maxConnections ?? 10000,
  };
}

export function host(name: string, address: string, over: Partial<HostSpec> = {}): HostSpec {
  return { name, address, ssh, hardening: 'auto', ...over };
}

export function inventory(over: Partial<Inventory> = {}): Inventory {
  return {
    file: 'hosts/prod.yaml',
    name: 'prod',
    envoy: { version: '1.35.0', sha256: {}, insecureMirror: false, fetch: 'control', logLevel: 'info' },
    admin: { address: '127.0.0.1', port: 10000 },
    clusters: [],
    hosts: [],
    ssh,
    rolling: {
      serial: { kind: 'count', value: 1 },
      drainMs: 5000,
      healthTimeoutMs: 60000,
      minHealthyEndpoints: 1,
      maxFailPercent: 0,
      soakMs: 3000,
      maxConnectFailures: 5,
      hotRestart: false,
    },
    accessLog: { enabled: true, path: '/var/log/envoy-k8s-proxy/access.log' },
    metrics: { enabled: true, port: 9902 },
    healthListener: { enabled: true, port: 9903 },
    peerFetch: { enabled: true, port: 9904 },
    paths: {
      installDir: '/opt/envoy-k8s-proxy',
      configDir: '/etc/envoy-k8s-proxy',
      logDir: '/var/log/envoy-k8s-proxy',
      user: 'envoy',
      group: 'envoy',
    },
    ...over,
  };
}

/** The production shape: two API-server groups behind one LB host. */
export function prodInventory(): Inventory {
  const lb1 = host('lb1', '192.168.1.11');
  return inventory({
    clusters: [
      cluster('k8s_cluster1', 6443, [
        { host: '192.168.1.19', port: 6443 },
        { host: '192.168.1.20', port: 6443 },
      ]),
      cluster('k8s_cluster2', 6444, [{ host: '192.168.1.21', port: 6443 }]),
    ],
    hosts: [lb1],
  });
}

/** A VIP as the inventory resolves one with its defaults: `address`/24, router 51, 200 ms adverts. */
export function vipSpec(address: string, over: Partial<VipSpec> = {}): VipSpec {
  return {
    address,
    prefix: 24,
    routerId: 51,
    advertIntervalMs: 200,
    preempt: false,
    textfileDir: '/var/lib/prometheus/node-exporter',
    ...over,
  };
}
