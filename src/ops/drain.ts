// The steps of a restart before anything stops: which peers are ready (their health listener,
// polled from this host as keepalived or a load balancer would), the wait until new connections
// stop arriving, and the check of the live config by the binary that will run it.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { quote, type Transport } from '../ssh/index.ts';
import { readFacts } from '../facts/gather.ts';
import { adminScript, answered, parseAdminReplies } from '../facts/admin.ts';
import { healthUrl } from '../render/health-url.ts';

export { healthUrl };
import { adminGet } from './admin.ts';

/** GET /healthz of each host, from `t`'s host, in one curl: true for a 200. */
export async function healthOf(t: Transport, inv: Inventory, hosts: HostSpec[], timeoutS = 2): Promise<boolean[]> {
  if (hosts.length === 0) return [];
  const res = await t.exec(
    adminScript(
      hosts.map((h) => healthUrl(inv, h)),
      { timeoutS },
    ),
  );
  return parseAdminReplies(res.stdout, hosts.length, res.code).map((r) => !r.error && r.status === 200);
}

/** The peers whose health listener answers 200 now. */
export async function readyPeers(t: Transport, inv: Inventory, host: HostSpec): Promise<string[]> {
  const peers = inv.hosts.filter((h) => h.name !== host.name);
  const ok = await healthOf(t, inv, peers);
  return peers.filter((_, i) => ok[i]).map((h) => h.name);
}

// The cluster listeners carry no stat_prefix (their stats are named by address); the side
// listeners and the admin are named, and per-worker copies repeat the totals.
const OWN = new Set(['admin', 'metrics', 'health']);
const CX_TOTAL = /^listener\.(.+)\.downstream_cx_total: (\d+)$/gm;

/** Σ listener.<address>.downstream_cx_total over the proxying listeners, from GET /stats text. */
export function parseAcceptedTotal(stats: string): number | undefined {
  let total: number | undefined;
  for (const m of stats.matchAll(CX_TOTAL)) {
    if (OWN.has(m[1]!) || m[1]!.includes('.worker_')) continue;
    total = (total ?? 0) + Number(m[2]);
  }
  return total;
}

export async function acceptedTotal(t: Transport, inv: Inventory): Promise<number | undefined> {
  const spec = adminGet(inv, { stats: '/stats?filter=^listener\\..*downstream_cx_total$' }, 2);
  const reply = (await readFacts(t, [spec])).get(spec)?.stats;
  return reply && answered(reply) ? parseAcceptedTotal(reply.body) : undefined;
}

export interface QuietResult {
  quiet: boolean;
  waitedMs: number;
  /** Connections accepted while waiting. */
  arrived: number;
  why?: string;
}

/**
 * Polls the accepted-connection counters until none moved for `quietMs`, or `boundMs` passed:
 * checkers need a few polls to see the 503 and clients a moment to follow them.
 */
export async function waitQuiet(
  t: Transport,
  inv: Inventory,
  o: { boundMs: number; quietMs: number; intervalMs?: number; signal?: AbortSignal },
): Promise<QuietResult> {
  const t0 = Date.now();
  const first = await acceptedTotal(t, inv);
  if (first === undefined) return { quiet: false, waitedMs: Date.now() - t0, arrived: 0, why: 'no listener stats' };
  let last = first;
  let changed = Date.now();
  while (!o.signal?.aborted) {
    const now = Date.now();
    if (now - changed >= o.quietMs) return { quiet: true, waitedMs: now - t0, arrived: last - first };
    if (now - t0 >= o.boundMs) break;
    await new Promise((r) => setTimeout(r, Math.min(o.intervalMs ?? 200, Math.max(0, o.boundMs - (now - t0)))));
    const cur = await acceptedTotal(t, inv);
    if (cur === undefined)
      return { quiet: false, waitedMs: Date.now() - t0, arrived: last - first, why: 'no listener stats' };
    if (cur !== last) [last, changed] = [cur, Date.now()];
  }
  return { quiet: false, waitedMs: Date.now() - t0, arrived: last - first };
}

/** Why `envoy --mode validate` refused: its critical/error lines, else its last line. */
export function refusal(output: string): string {
  const lines = output.split('\n').filter(Boolean);
  const bad = lines.filter((l) => /\]\[(critical|error)\]/.test(l));
  return (bad.length ? bad.slice(-2) : lines.slice(-1)).join(' | ');
}

/**
 * `envoy --mode validate` of the live bootstrap by the `current` binary, as the unit's ExecStartPre
 * runs it; `checked`: this run had that binary accept that config already (a deploy's release
 * switch or config task, moments before), so it is not run again.
 */
export async function validateLive(
  t: Transport,
  inv: Inventory,
  checked = false,
): Promise<{ ok: boolean; output: string }> {
  if (checked) return { ok: true, output: '' };
  const envoy = quote(posix.join(inv.paths.installDir, 'current', 'envoy'));
  const config = quote(posix.join(inv.paths.configDir, 'envoy.yaml'));
  const user = quote(inv.paths.user);
  const script = [
    `if id -u ${user} >/dev/null 2>&1; then runuser -u ${user} -- ${envoy} --mode validate -c ${config} 2>&1`,
    `else ${envoy} --mode validate -c ${config} 2>&1; fi`,
  ].join('\n');
  const r = await t.exec(['sh', '-c', script], { timeoutMs: 60_000 });
  return { ok: r.code === 0, output: (r.stdout + r.stderr).trim() };
}
