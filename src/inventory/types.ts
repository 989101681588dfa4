// The resolved inventory: what the loader produces from hosts/<name>.yaml after validation and
// defaults, and what rendering, roles and commands consume. Durations are milliseconds.

export type LbPolicy = 'ROUND_ROBIN' | 'LEAST_REQUEST' | 'RANDOM';
export type Arch = 'x86_64' | 'aarch_64';
export const ARCHES: readonly Arch[] = ['x86_64', 'aarch_64'];

export interface Endpoint {
  host: string; // IPv4, IPv6 or DNS name
  port: number;
}

export interface HealthCheck {
  /** readyz: HTTPS GET `path` (TLS used by the health checker only); tcp: connect only. */
  type: 'readyz' | 'tcp';
  path: string; // default /readyz
  intervalMs: number; // default 500
  timeoutMs: number; // default 800
  healthyThreshold: number; // default 2
  unhealthyThreshold: number; // default 2
  /** SNI (and Host header) of the TLS health check; default kubernetes. */
  sni: string;
}

export interface OutlierDetection {
  enabled: boolean; // default true
  consecutiveLocalOriginFailure: number; // default 5
  intervalMs: number; // default 10000
  baseEjectionTimeMs: number; // default 30000
  maxEjectionPercent: number; // default 50
}

export interface TcpKeepalive {
  probes: number; // default 3
  timeSec: number; // default 30
  intervalSec: number; // default 10
}

export interface ClusterSpec {
  /** Envoy cluster name, [A-Za-z0-9_-]+, also used in eds_<name>.yaml. */
  name: string;
  listenAddress: string; // default 0.0.0.0
  listenPort: number;
  lbPolicy: LbPolicy; // default ROUND_ROBIN
  endpoints: Endpoint[];
  healthCheck: HealthCheck;
  outlierDetection: OutlierDetection;
  connectTimeoutMs: number; // default 5000
  tcpKeepalive: TcpKeepalive;
  /** tcp_proxy idle timeout; 0 disables it (default: API watches are long-lived). */
  idleTimeoutMs: number;
  maxConnectAttempts: number; // default 3
  maxConnections: number; // circuit breaker, default 10000
  /** common_lb_config.healthy_panic_threshold; default 1 (fail open only when none is healthy). */
  panicThresholdPercent: number;
  /** per_connection_buffer_limit_bytes on listener and cluster; default 32768. */
  bufferLimitBytes: number;
}

export interface EnvoyRelease {
  version: string; // semver, e.g. 1.35.0
  /** sha256 per arch from the inventory; otherwise files/envoy-releases.lock.yaml is used. */
  sha256: Partial<Record<Arch, string>>;
  /** Base URL replacing https://github.com/envoyproxy/envoy/releases/download */
  mirror?: string;
  /** true: the mirror may be plain http:// (the inventory says so explicitly). */
  insecureMirror: boolean;
  /** control: download on the control machine and push; host: each host downloads. */
  fetch: 'control' | 'host';
  /** Absolute path of a local binary to push (air-gapped hosts); implies fetch: control. */
  localFile?: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'critical' | 'off'; // default info
  concurrency?: number; // --concurrency; default Envoy's (cores)
}

export interface AdminSpec {
  address: string; // must be loopback: 127.0.0.1 (default) or ::1
  port: number; // default 10000
}

export interface SshSpec {
  user: string; // default root
  port: number; // default 22
  identityFile?: string; // absolute path (~ expanded); default: ssh-agent, then ~/.ssh/id_ed25519, id_rsa
  knownHosts: string; // absolute path; default ~/.ssh/known_hosts
  hostKeyChecking: 'strict' | 'accept-new'; // default strict
  become: boolean; // sudo -n for a non-root user; default false
  connectTimeoutMs: number; // default 10000
  commandTimeoutMs: number; // deadline of each remote command and SFTP transfer; default 60000
  proxyJump?: string; // [user@]host[:port]
  /**
   * The keys the inventory wrote (global or host ssh:); ~/.ssh/config fills in the others.
   * Absent for a spec built in code: then the config is not read at all.
   */
  given?: readonly SshGivenKey[];
}

/** The ssh: keys where ~/.ssh/config may stand in for the inventory. */
export type SshGivenKey = 'user' | 'port' | 'identityFile' | 'proxyJump';

export interface HostSpec {
  name: string; // [A-Za-z0-9][A-Za-z0-9_.-]*
  address: string;
  ssh: SshSpec; // global ssh merged with the host's own overrides
  /** Overrides every cluster's listenAddress on this host (e.g. the host's own IP). */
  listenAddress?: string;
  /** The unit's sandbox: the host's own setting, else the inventory's; default auto. */
  hardening: Hardening;
  /** VRRP priority for the VIP, as written; render/keepalived.ts applies the default. */
  vipPriority?: number;
}

/** full: every sandbox option; container: those container hosts support; auto: by detection. */
export type Hardening = 'auto' | 'full' | 'container';

/** A batch size: a host count, or a percent of the hosts (at least one). */
export interface SerialStep {
  kind: 'count' | 'percent';
  value: number;
}

/** One batch size for every batch, or the sizes of the first batches in order (the last repeats). */
export type Serial = SerialStep | readonly SerialStep[];

export interface RollingSpec {
  /** Hosts restarted or changed at once (runner/batches.ts). Default count 1. */
  serial: Serial;
  drainMs: number; // default 5000
  healthTimeoutMs: number; // default 60000
  /** Gate: each proxied cluster needs at least this many healthy endpoints. Default 1. */
  minHealthyEndpoints: number;
  maxFailPercent: number; // default 0
  /** Deploy's gate: how long a changed host must stay healthy, and the connect failures it may show. */
  soakMs: number; // default 3000
  maxConnectFailures: number; // default 5
  /**
   * Restarts hand the listening sockets to the new process (Envoy's hot restart) instead of a stop
   * and a start. Default (auto): on single-host fleets, which have no peer to take the traffic.
   */
  hotRestart: boolean;
}

export interface AccessLogSpec {
  enabled: boolean; // default true
  path: string; // default /var/log/envoy-k8s-proxy/access.log
}

export interface MetricsSpec {
  enabled: boolean; // default true
  port: number; // default 9902
  /** Bind address for every host; default: the host's own address (see render/metrics.ts). */
  address?: string;
}

/** The virtual IP keepalived moves between the hosts (render/keepalived.ts). */
export interface VipSpec {
  address: string; // the IP, without prefix
  prefix: number; // the hosts' subnet prefix length
  /** Fixed interface name; default: the one carrying each host's address (found on the host). */
  interface?: string;
  routerId: number; // default 51
  advertIntervalMs: number; // default 200
  /** VRRPv2 password (whole-second adverts only); VRRPv3 otherwise. */
  auth?: string;
  /** Unicast peers; undefined: every other host's address. */
  peers?: string[];
  preempt: boolean; // default false
  /** node_exporter's textfile-collector directory: keepalived's notify writes the VIP state there. */
  textfileDir: string; // default /var/lib/prometheus/node-exporter (Debian's prometheus-node-exporter)
}

export interface HealthListenerSpec {
  enabled: boolean; // default true
  port: number; // default 9903
  /** Bind address for every host; default: the host's own address (see render/health-listener.ts). */
  address?: string;
}

/** fetch: control: the release uploaded once per subnet, served by that host to its peers. */
export interface PeerFetchSpec {
  enabled: boolean; // default true (used when the run has 2 hosts or more)
  port: number; // default 9904
}

export interface Paths {
  installDir: string; // /opt/envoy-k8s-proxy (releases/<ver>/envoy, current -> releases/<ver>)
  configDir: string; // /etc/envoy-k8s-proxy
  logDir: string; // /var/log/envoy-k8s-proxy
  user: string; // envoy
  group: string; // envoy
}

export interface Inventory {
  /** Path of the inventory file as given (used in messages). */
  file: string;
  /** With `extends:`, every file merged, base first (this file last). */
  layers?: readonly string[];
  /** Inventory name: file stem, e.g. prod. */
  name: string;
  envoy: EnvoyRelease;
  admin: AdminSpec;
  clusters: ClusterSpec[];
  hosts: HostSpec[];
  ssh: SshSpec;
  rolling: RollingSpec;
  accessLog: AccessLogSpec;
  metrics: MetricsSpec;
  healthListener: HealthListenerSpec;
  peerFetch: PeerFetchSpec;
  paths: Paths;
  /** Off unless `vip:` is set. */
  vip?: VipSpec;
}
