// From a validated inventory as written to the resolved Inventory: defaults merged, durations in
// milliseconds, endpoints split, `~` expanded and relative paths made absolute.
import { isAbsolute, posix, resolve as resolvePath } from 'node:path';
import type {
  AccessLogSpec,
  SerialStep,
  ClusterSpec,
  EnvoyRelease,
  HealthCheck,
  HostSpec,
  Inventory,
  OutlierDetection,
  RollingSpec,
  SshGivenKey,
  SshSpec,
  TcpKeepalive,
  VipSpec,
} from './types.ts';
import {
  ACCESS_LOG_DEFAULTS,
  ADMIN_DEFAULTS,
  CLUSTER_DEFAULTS,
  ENVOY_DEFAULTS,
  METRICS_DEFAULTS,
  HEALTH_LISTENER_DEFAULTS,
  PATHS_DEFAULTS,
  PEER_FETCH_DEFAULTS,
  ROLLING_DEFAULTS,
  SSH_DEFAULTS,
  VIP_DEFAULTS,
  deepMerge,
  type ClusterDefaults,
  type EnvoyDefaults,
  type SshDefaults,
} from './defaults.ts';
import { expandHome, parseCidr, parseDuration, parseHostPort } from './formats.ts';
import type { RawCluster, RawInventory } from './schema.ts';

export interface ResolveContext {
  file: string;
  name: string;
  /** Directory that relative control-machine paths are relative to (the inventory's). */
  baseDir: string;
  home: string;
}

type MergedCluster = Pick<RawCluster, 'name' | 'listenPort' | 'endpoints'> & ClusterDefaults;

export function resolveInventory(raw: RawInventory, ctx: ResolveContext): Inventory {
  const ssh = resolveSsh(deepMerge(SSH_DEFAULTS, raw.ssh), ctx);
  const paths = deepMerge(PATHS_DEFAULTS, raw.paths);
  return {
    file: ctx.file,
    name: ctx.name,
    envoy: resolveEnvoy(raw.envoy ?? {}, ctx),
    admin: deepMerge(ADMIN_DEFAULTS, raw.admin),
    clusters: raw.clusters.map((c) => resolveCluster(deepMerge(CLUSTER_DEFAULTS, raw.defaults, c) as MergedCluster)),
    hosts: raw.hosts.map((h): HostSpec => ({
      name: h.name,
      address: h.address ?? h.name,
      ssh: { ...resolveSsh(deepMerge(SSH_DEFAULTS, raw.ssh, h.ssh), ctx), given: givenSsh(raw.ssh, h.ssh) },
      ...(h.listenAddress !== undefined && { listenAddress: h.listenAddress }),
      hardening: h.hardening ?? raw.hardening ?? 'auto',
      ...(h.vipPriority !== undefined && { vipPriority: h.vipPriority }),
    })),
    ssh,
    rolling: resolveRolling(deepMerge(ROLLING_DEFAULTS, raw.rolling), raw.hosts.length),
    accessLog: resolveAccessLog(raw, paths.logDir),
    metrics: deepMerge(METRICS_DEFAULTS, raw.metrics),
    healthListener: deepMerge(HEALTH_LISTENER_DEFAULTS, raw.healthListener),
    peerFetch: deepMerge(PEER_FETCH_DEFAULTS, raw.peerFetch),
    paths,
    ...(raw.vip && { vip: resolveVip(raw.vip) }),
  };
}

function resolveVip(v: NonNullable<RawInventory['vip']>): VipSpec {
  const cidr = parseCidr(v.address);
  if (!cidr) throw new Error(`unvalidated vip address ${JSON.stringify(v.address)}`);
  return {
    address: cidr.address,
    prefix: cidr.prefix,
    ...(v.interface !== undefined && { interface: v.interface }),
    routerId: v.routerId ?? VIP_DEFAULTS.routerId,
    advertIntervalMs: ms(v.advertInterval ?? VIP_DEFAULTS.advertInterval),
    ...(v.auth !== undefined && { auth: v.auth }),
    ...(v.peers !== undefined && { peers: [...v.peers] }),
    preempt: v.preempt ?? VIP_DEFAULTS.preempt,
    textfileDir: v.textfileDir ?? VIP_DEFAULTS.textfileDir,
  };
}

/** The access log lives in the log directory (the rules refuse it elsewhere): its default follows paths.logDir. */
function resolveAccessLog(raw: RawInventory, logDir: string): AccessLogSpec {
  return deepMerge({ ...ACCESS_LOG_DEFAULTS, path: posix.join(logDir, 'access.log') }, raw.accessLog);
}

/** Durations were validated by the schema; a failure here is a bug, not bad input. */
export function ms(text: string): number {
  const value = parseDuration(text);
  if (value === undefined) throw new Error(`unvalidated duration ${JSON.stringify(text)}`);
  return value;
}

function resolveEnvoy(raw: NonNullable<RawInventory['envoy']>, ctx: ResolveContext): EnvoyRelease {
  const merged: EnvoyDefaults = deepMerge(ENVOY_DEFAULTS, raw);
  return {
    version: merged.version,
    sha256: { ...merged.sha256 },
    ...(merged.mirror !== undefined && { mirror: merged.mirror.replace(/\/+$/, '') }),
    insecureMirror: merged.insecureMirror === true,
    fetch: merged.localFile !== undefined ? 'control' : merged.fetch,
    ...(merged.localFile !== undefined && { localFile: localPath(merged.localFile, ctx) }),
    logLevel: merged.logLevel,
    ...(merged.concurrency !== undefined && { concurrency: merged.concurrency }),
  };
}

function resolveCluster(c: MergedCluster): ClusterSpec {
  // durations arrive as text ("500ms"), the rest as is
  const { interval, timeout, ...hc } = c.healthCheck;
  const healthCheck: HealthCheck = { ...hc, intervalMs: ms(interval), timeoutMs: ms(timeout) };
  const { interval: every, baseEjectionTime, ...od } = c.outlierDetection;
  const outlierDetection: OutlierDetection = {
    ...od,
    intervalMs: ms(every),
    baseEjectionTimeMs: ms(baseEjectionTime),
  };
  const tcpKeepalive: TcpKeepalive = {
    probes: c.tcpKeepalive.probes,
    timeSec: ms(c.tcpKeepalive.time) / 1000,
    intervalSec: ms(c.tcpKeepalive.interval) / 1000,
  };
  return {
    name: c.name,
    listenAddress: c.listenAddress,
    listenPort: c.listenPort,
    lbPolicy: c.lbPolicy,
    endpoints: c.endpoints.map((e) => {
      const hp = parseHostPort(e);
      if (!hp) throw new Error(`unvalidated endpoint ${JSON.stringify(e)}`);
      return hp;
    }),
    healthCheck,
    outlierDetection,
    connectTimeoutMs: ms(c.connectTimeout),
    tcpKeepalive,
    idleTimeoutMs: ms(c.idleTimeout),
    maxConnectAttempts: c.maxConnectAttempts,
    maxConnections: c.maxConnections,
    panicThresholdPercent: c.panicThreshold,
    bufferLimitBytes: c.bufferLimitBytes,
  };
}

/** Which of the keys ~/.ssh/config could supply the inventory wrote itself (globally or for the host). */
function givenSsh(...layers: (object | undefined)[]): SshGivenKey[] {
  const keys: SshGivenKey[] = ['user', 'port', 'identityFile', 'proxyJump'];
  return keys.filter((k) => layers.some((l) => l !== undefined && k in l));
}

function resolveSsh(s: SshDefaults, ctx: ResolveContext): SshSpec {
  return {
    user: s.user,
    port: s.port,
    ...(s.identityFile !== undefined && { identityFile: localPath(s.identityFile, ctx) }),
    knownHosts: localPath(s.knownHosts, ctx),
    hostKeyChecking: s.hostKeyChecking,
    become: s.become,
    connectTimeoutMs: ms(s.connectTimeout),
    commandTimeoutMs: ms(s.commandTimeout),
    ...(s.proxyJump !== undefined && { proxyJump: s.proxyJump }),
  };
}

function resolveRolling(r: typeof ROLLING_DEFAULTS, hostCount: number): RollingSpec {
  const step = (v: number | string): SerialStep =>
    typeof v === 'number' ? { kind: 'count', value: v } : { kind: 'percent', value: Number.parseInt(v, 10) };
  const serial: RollingSpec['serial'] = Array.isArray(r.serial) ? r.serial.map(step) : step(r.serial);
  return {
    serial,
    drainMs: ms(r.drain),
    healthTimeoutMs: ms(r.healthTimeout),
    minHealthyEndpoints: r.minHealthyEndpoints,
    maxFailPercent: r.maxFailPercent,
    soakMs: ms(r.soak),
    maxConnectFailures: r.maxConnectFailures,
    hotRestart: r.hotRestart === 'auto' ? hostCount === 1 : r.hotRestart,
  };
}

/** `~/x` -> home; relative -> against the inventory's directory; result is absolute. */
export function localPath(path: string, ctx: Pick<ResolveContext, 'baseDir' | 'home'>): string {
  const expanded = expandHome(path, ctx.home);
  return isAbsolute(expanded) ? resolvePath(expanded) : resolvePath(ctx.baseDir, expanded);
}
