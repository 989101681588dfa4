// The health gate a restarted host must pass before the next one is touched: unit active, admin
// /ready LIVE, and every proxied cluster with enough healthy endpoints — within a deadline.
import type { Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { detailOf } from '../errors.ts';
import { readFacts } from '../facts/gather.ts';
import { unitFact } from '../facts/system.ts';
import { answered, curlSaid, type AdminReply } from '../facts/admin.ts';
import { adminGet, healthyByCluster, parseClusters } from './admin.ts';
import { UNIT_NAME } from '../render/index.ts';

export interface GateResult {
  ok: boolean;
  reason: string;
}

/** One round trip: the unit, /ready and (when endpoints count) /clusters. */
export async function checkOnce(t: Transport, inv: Inventory, minHealthy: number): Promise<GateResult> {
  const unitSpec = unitFact(UNIT_NAME);
  const adminSpec = adminGet<string>(
    inv,
    minHealthy > 0 ? { ready: '/ready', clusters: '/clusters' } : { ready: '/ready' },
  );
  const facts = await readFacts(t, [unitSpec, adminSpec]);
  const unit = facts.get(unitSpec) ?? unitSpec.parse('', 1);
  if (unit.activeState !== 'active')
    return { ok: false, reason: `unit is ${unit.activeState}${unit.subState ? ` (${unit.subState})` : ''}` };
  const admin = facts.get(adminSpec);
  const none: AdminReply = { status: 0, body: '', error: 'not gathered' };
  const ready = admin?.ready ?? none;
  const said = (ready.error ? curlSaid(ready) : ready.body).trim();
  if (!answered(ready) || ready.body.trim() !== 'LIVE')
    return {
      ok: false,
      reason: `admin /ready answered ${ready.status || 'nothing'}${said ? `: ${said.slice(0, 80)}` : ''}`,
    };
  if (minHealthy > 0) {
    const clusters = admin?.clusters ?? none;
    if (!answered(clusters)) return { ok: false, reason: `admin /clusters answered ${clusters.status}` };
    const health = healthyByCluster(parseClusters(clusters.body));
    for (const c of inv.clusters) {
      const h = health.get(c.name);
      if (!h || h.healthy < Math.min(minHealthy, c.endpoints.length)) {
        return {
          ok: false,
          reason: `cluster ${c.name} has ${h?.healthy ?? 0}/${h?.total ?? c.endpoints.length} healthy endpoints (need ${Math.min(minHealthy, c.endpoints.length)})`,
        };
      }
    }
  }
  return { ok: true, reason: 'active, LIVE, endpoints healthy' };
}

/** Poll checkOnce until it passes or the deadline; the last reason explains a failure (without the host). */
export async function waitHealthy(
  t: Transport,
  inv: Inventory,
  opts: { timeoutMs: number; minHealthy: number; intervalMs?: number; signal?: AbortSignal },
): Promise<GateResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: GateResult = { ok: false, reason: 'not checked' };
  while (!opts.signal?.aborted) {
    last = await checkOnce(t, inv, opts.minHealthy).catch((err: unknown) => ({
      ok: false,
      reason: detailOf(err, t.host),
    }));
    if (last.ok || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
  return last.ok
    ? last
    : { ok: false, reason: `not healthy after ${Math.round(opts.timeoutMs / 1000)}s: ${last.reason}` };
}
