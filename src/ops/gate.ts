// The health gate a restarted host must pass before the next one is touched: unit active, admin
// /ready LIVE, and every proxied cluster with enough healthy endpoints — within a deadline.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { parseUnitShow } from '../facts/system.ts';
import { admin, healthyByCluster, parseClusters } from './admin.ts';
import { UNIT_NAME } from '../render/index.ts';

export interface GateResult {
  ok: boolean;
  reason: string;
}

export async function checkOnce(t: Transport, inv: Inventory, minHealthy: number): Promise<GateResult> {
  const unit = parseUnitShow((await t.exec(['systemctl', 'show', UNIT_NAME, '-p', 'ActiveState,SubState'])).stdout);
  if (unit.activeState !== 'active') return { ok: false, reason: `unit is ${unit.activeState}${unit.subState ? ` (${unit.subState})` : ''}` };
  const ready = await admin(t, inv, 'GET', '/ready', 3);
  if (!ready.ok || ready.body.trim() !== 'LIVE') return { ok: false, reason: `admin /ready answered ${ready.status || 'nothing'}${ready.body ? `: ${ready.body.trim().slice(0, 80)}` : ''}` };
  if (minHealthy > 0) {
    const clusters = await admin(t, inv, 'GET', '/clusters', 3);
    if (!clusters.ok) return { ok: false, reason: `admin /clusters answered ${clusters.status}` };
    const health = healthyByCluster(parseClusters(clusters.body));
    for (const c of inv.clusters) {
      const h = health.get(c.name);
      if (!h || h.healthy < Math.min(minHealthy, c.endpoints.length)) {
        return { ok: false, reason: `cluster ${c.name} has ${h?.healthy ?? 0}/${h?.total ?? c.endpoints.length} healthy endpoints (need ${Math.min(minHealthy, c.endpoints.length)})` };
      }
    }
  }
  return { ok: true, reason: 'active, LIVE, endpoints healthy' };
}

/** Poll checkOnce until it passes or the deadline; the last reason explains a failure. */
export async function waitHealthy(t: Transport, inv: Inventory, host: HostSpec, opts: { timeoutMs: number; minHealthy: number; intervalMs?: number; signal?: AbortSignal }): Promise<GateResult> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: GateResult = { ok: false, reason: 'not checked' };
  while (!opts.signal?.aborted) {
    last = await checkOnce(t, inv, opts.minHealthy).catch((err: Error) => ({ ok: false, reason: err.message }));
    if (last.ok || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
  return last.ok ? last : { ok: false, reason: `${host.name}: not healthy after ${Math.round(opts.timeoutMs / 1000)}s: ${last.reason}` };
}
