// What a deploy's gate looks at on a host, in one round trip, and the pure verdict over it:
// unit active, /ready LIVE, every cluster's listener up, each cluster with enough healthy
// endpoints, and the upstream connect failures so far (for the soak).
import type { Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { readFacts } from '../facts/gather.ts';
import { unitFact, type UnitFact } from '../facts/system.ts';
import { answered, type AdminReply } from '../facts/admin.ts';
import { listenerName, UNIT_NAME } from '../render/index.ts';
import { adminGet, parseClusters, type EndpointHealth } from './admin.ts';
import { parseListeners } from './status-probe.ts';

export interface GateView {
  unit: UnitFact;
  ready: AdminReply | undefined;
  listeners: string[] | null;
  endpoints: EndpointHealth[] | null;
  /** cluster name → upstream_cx_connect_fail */
  connectFail: Map<string, number>;
}

export type Verdict = { state: 'ok' | 'wait' | 'fail'; reason: string };

export async function observe(t: Transport, inv: Inventory): Promise<GateView> {
  const unitSpec = unitFact(UNIT_NAME);
  const adminSpec = adminGet(inv, {
    ready: '/ready',
    listeners: '/listeners?format=json',
    clusters: '/clusters',
    stats: '/stats?filter=upstream_cx_connect_fail$',
  });
  const f = await readFacts(t, [unitSpec, adminSpec], { what: 'the gate probes' });
  const admin = f.get(adminSpec);
  const body = (r: AdminReply | undefined) => (r && answered(r) ? r.body : undefined);
  const l = body(admin?.listeners);
  const c = body(admin?.clusters);
  return {
    unit: f.get(unitSpec) ?? unitSpec.parse('', 1),
    ready: admin?.ready,
    listeners: l === undefined ? null : parseListeners(l),
    endpoints: c === undefined ? null : parseClusters(c),
    connectFail: parseConnectFail(body(admin?.stats) ?? ''),
  };
}

/** `cluster.<name>.upstream_cx_connect_fail: N` lines. */
export function parseConnectFail(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^cluster\.(.+)\.upstream_cx_connect_fail: (\d+)$/.exec(line.trim());
    if (r) m.set(r[1]!, Number(r[2]));
  }
  return m;
}

/**
 * ok: serving with enough healthy endpoints; fail: the health checker has judged every endpoint
 * of a cluster (none pending its first check) and too few passed; wait: not settled yet.
 */
export function judge(inv: Inventory, v: GateView, minHealthy: number): Verdict {
  if (v.unit.activeState !== 'active') return { state: 'wait', reason: `unit is ${v.unit.activeState}` };
  if (!v.ready || !answered(v.ready) || v.ready.body.trim() !== 'LIVE')
    return { state: 'wait', reason: `admin /ready answered ${v.ready?.status || 'nothing'}` };
  const up = new Set(v.listeners ?? []);
  const down = inv.clusters.filter((c) => !up.has(listenerName(c))).map(listenerName);
  if (down.length) return { state: 'wait', reason: `listener ${down.join(', ')} not up` };
  const said: string[] = [];
  for (const c of inv.clusters) {
    const eps = (v.endpoints ?? []).filter((e) => e.cluster === c.name);
    const healthy = eps.filter((e) => e.healthy).length;
    const need = Math.min(minHealthy, c.endpoints.length);
    said.push(`${c.name} ${healthy}/${eps.length}`);
    if (healthy >= need) continue;
    const pending = eps.some((e) => e.flags.includes('pending_active_hc'));
    const reason = `cluster ${c.name} has ${healthy}/${eps.length} healthy endpoints (need ${need})`;
    return pending || !v.endpoints
      ? { state: 'wait', reason }
      : { state: 'fail', reason: `${reason}: ${flagsOf(eps)}` };
  }
  return { state: 'ok', reason: `listeners up, healthy endpoints ${said.join(', ')}` };
}

function flagsOf(eps: EndpointHealth[]): string {
  return eps
    .slice(0, 3)
    .map((e) => `${e.address} ${e.flags}`)
    .join(', ');
}

/** New connect failures per cluster since `before`, over the inventory's clusters. */
export function newConnectFailures(inv: Inventory, before: GateView, after: GateView): number {
  let n = 0;
  for (const c of inv.clusters) n += (after.connectFail.get(c.name) ?? 0) - (before.connectFail.get(c.name) ?? 0);
  return Math.max(0, n);
}
