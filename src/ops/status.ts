// The state of each load balancer, gathered in one round trip per host and judged: healthy,
// degraded (serving but something is off), down (not serving) or unreachable.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { readFacts } from '../facts/gather.ts';
import { containerFact, type UnitFact } from '../facts/system.ts';
import { listenerName, managedFiles, sandboxFor, type Sandbox } from '../render/index.ts';
import { healthyByCluster, parseActiveConnections, parseClusters, type EndpointHealth } from './admin.ts';
import { answered } from '../facts/admin.ts';
import { diskVersionsFact, judgeLoaded, loadedProblem, parseStatsText, type Loaded } from './loaded.ts';
import {
  answer,
  parseListeners,
  parseServerInfo,
  statusProbes,
  type AdminAnswer,
  type ServerInfo,
} from './status-probe.ts';

export type Health = 'healthy' | 'degraded' | 'down' | 'unreachable';

export interface ClusterHealth {
  name: string;
  healthy: number;
  total: number;
  /** Proxied connections open now (the endpoints' cx_active). */
  activeConnections?: number;
}

export interface Drift {
  state: 'in-sync' | 'drifted' | 'missing';
  /** File names (envoy.yaml, envoy-k8s-proxy.service, …) whose content differs from the render. */
  drifted: string[];
  missing: string[];
}

/** The unit as `status --json` shows it (docs/operations.md): a view of the one unit fact. */
export interface StatusUnit {
  loadState: string;
  activeState: string;
  subState: string;
  unitFileState: string;
  since: string; // StateChangeTimestamp
  startedAt: string; // ExecMainStartTimestamp
  nRestarts: number;
  mainPid: number;
}

export function statusUnit(u: UnitFact): StatusUnit {
  const { loadState, activeState, subState, unitFileState, nRestarts, mainPid } = u;
  return {
    loadState,
    activeState,
    subState,
    unitFileState,
    since: u.stateChangeTimestamp,
    startedAt: u.execMainStartTimestamp,
    nRestarts,
    mainPid,
  };
}

export interface HostStatus {
  host: string;
  address: string;
  health: Health;
  /** Why the host is not healthy, one phrase each. */
  problems: string[];
  error?: string; // unreachable: the connection error
  unit?: StatusUnit;
  version?: { binary: string | null; running: string | null; inventory: string };
  ready?: string | null; // LIVE, DRAINING, or null when the admin did not answer
  uptimeS?: number | null;
  listeners?: { up: number; expected: number };
  clusters?: ClusterHealth[];
  /** Proxied connections open now, all clusters (absent when the admin did not answer). */
  activeConnections?: number;
  drift?: Drift;
  /** What Envoy loaded versus the files on disk (in sync / pending / rejected). */
  loaded?: Loaded;
}

/** Expected files on the host: absolute path → [display name, sha256 of what the inventory renders now]. */
export function expectedFiles(
  inv: Inventory,
  host: HostSpec,
  sandbox: Sandbox,
): Map<string, { name: string; sha256: string }> {
  return new Map(managedFiles(inv, host, sandbox).map((f) => [f.path, { name: f.name, sha256: f.sha256 }]));
}

export function compareFiles(
  expected: Map<string, { name: string; sha256: string }>,
  actual: Map<string, string | null>,
): Drift {
  const drifted: string[] = [];
  const missing: string[] = [];
  for (const [path, want] of expected) {
    const have = actual.get(path);
    if (have === null || have === undefined) missing.push(want.name);
    else if (have !== want.sha256) drifted.push(want.name);
  }
  const state = missing.length === expected.size ? 'missing' : drifted.length || missing.length ? 'drifted' : 'in-sync';
  return { state, drifted, missing };
}

export interface Observed {
  unit: UnitFact;
  binary: string | null;
  serverInfo: AdminAnswer<ServerInfo>;
  ready: AdminAnswer<string>;
  listeners: AdminAnswer<string[]>;
  clusters: AdminAnswer<EndpointHealth[]>;
  /** Active connections per cluster, from the same /clusters answer. */
  connections?: AdminAnswer<Map<string, number>>;
  drift: Drift;
  loaded?: Loaded;
}

/** Pure: what was observed → the row, with its health and the problems that decided it. */
export function assess(inv: Inventory, host: HostSpec, o: Observed): HostStatus {
  const problems: string[] = [];
  const active = o.unit.activeState === 'active';
  if (o.unit.loadState !== 'loaded') problems.push(`unit ${o.unit.loadState}`);
  else if (!active) problems.push(`unit ${o.unit.activeState}${o.unit.subState ? ` (${o.unit.subState})` : ''}`);
  const ready = o.ready.value ?? null;
  if (active && ready !== 'LIVE')
    problems.push(`admin /ready: ${ready ?? (o.ready.status ? `HTTP ${o.ready.status}` : 'no answer')}`);
  const names = o.listeners.value;
  // Only the proxying listeners count: the metrics listener is not one of the clusters'.
  const wanted = new Set(inv.clusters.map(listenerName));
  const listeners = { up: (names ?? []).filter((n) => wanted.has(n)).length, expected: inv.clusters.length };
  if (active && listeners.up < listeners.expected) problems.push(`${listeners.up}/${listeners.expected} listeners up`);
  const byCluster = healthyByCluster(o.clusters.value ?? []);
  const conns = o.connections?.value;
  const clusters: ClusterHealth[] = inv.clusters.map((c) => ({
    name: c.name,
    healthy: byCluster.get(c.name)?.healthy ?? 0,
    total: byCluster.get(c.name)?.total ?? c.endpoints.length,
    // a cluster the answer has no cx_active for is unknown, not idle
    ...(conns?.has(c.name) && { activeConnections: conns.get(c.name)! }),
  }));
  if (active && o.clusters.value) {
    for (const c of clusters) {
      const need = Math.min(inv.rolling.minHealthyEndpoints, c.total);
      const failOpen =
        c.total > 0 && c.healthy === 0 && (inv.clusters.find((x) => x.name === c.name)?.panicThresholdPercent ?? 0) > 0;
      if (failOpen) problems.push(`${c.name}: ${panicMessage(c.total)}`);
      else if (c.healthy < need) problems.push(`${c.name}: ${c.healthy}/${c.total} endpoints healthy`);
    }
  }
  const running = o.serverInfo.value?.version ?? null;
  if (o.binary && running && o.binary !== running)
    problems.push(`running ${running}, installed ${o.binary} (restart pending)`);
  if (o.binary && o.binary !== inv.envoy.version)
    problems.push(`installed ${o.binary}, inventory wants ${inv.envoy.version}`);
  const notLoaded = active && o.loaded ? loadedProblem(o.loaded) : undefined;
  if (notLoaded) problems.push(notLoaded);
  if (o.drift.state === 'missing') problems.push('not deployed');
  else if (o.drift.state === 'drifted')
    problems.push(`config drift: ${[...o.drift.drifted, ...o.drift.missing.map((m) => `${m} missing`)].join(', ')}`);
  // Draining still accepts connections: degraded, not down.
  const serving = active && listeners.up > 0;
  return {
    host: host.name,
    address: host.address,
    health: !serving ? 'down' : problems.length ? 'degraded' : 'healthy',
    problems,
    unit: statusUnit(o.unit),
    version: { binary: o.binary, running, inventory: inv.envoy.version },
    ready,
    uptimeS: o.serverInfo.value?.uptimeS ?? null,
    listeners,
    clusters,
    ...(clusters.some((c) => c.activeConnections !== undefined) && {
      activeConnections: clusters.reduce((n, c) => n + (c.activeConnections ?? 0), 0),
    }),
    drift: o.drift,
    ...(o.loaded ? { loaded: o.loaded } : {}),
  };
}

export async function hostStatus(t: Transport, inv: Inventory, host: HostSpec): Promise<HostStatus> {
  // the paths are the same for either sandbox; the unit's hash needs the host's answer
  const p = statusProbes(
    inv,
    managedFiles(inv, host, 'full').map((f) => f.path),
  );
  const versions = diskVersionsFact(inv, host);
  const facts = await readFacts(t, [p.unit, p.binary, p.admin, p.hashes, versions, containerFact], {
    what: 'the status probes',
  });
  const expected = expectedFiles(inv, host, sandboxFor(host.hardening, facts.get(containerFact) ?? null));
  const admin = facts.get(p.admin);
  return assess(inv, host, {
    unit: facts.get(p.unit) ?? p.unit.parse('', 1),
    binary: facts.get(p.binary) ?? null,
    serverInfo: answer(admin?.serverInfo, parseServerInfo),
    ready: answer(admin?.ready, (b) => b.trim(), true),
    listeners: answer(admin?.listeners, parseListeners),
    clusters: answer(admin?.clusters, parseClusters),
    connections: answer(admin?.clusters, parseActiveConnections),
    drift: compareFiles(expected, facts.get(p.hashes) ?? new Map()),
    loaded: judgeLoaded(
      inv,
      host,
      facts.get(versions) ?? new Map(),
      admin?.loaded && answered(admin.loaded) ? parseStatsText(admin.loaded.body) : undefined,
    ),
  });
}

/** A host whose connect failed: `detail` is the reason, without the host's name. */
export function unreachableStatus(host: HostSpec, detail: string): HostStatus {
  return { host: host.name, address: host.address, health: 'unreachable', problems: [detail], error: detail };
}

/** Every endpoint failing its health check: Envoy's panic mode sends traffic to all of them. */
export function panicMessage(total: number): string {
  return `ALL ${total} endpoints unhealthy: panic mode, traffic to all (fail open)`;
}
