// Rolling restart: batches of hosts, each drained, restarted and gated on health before the next
// batch; the first failed gate stops the run and leaves the remaining hosts untouched.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { RemoteError, ToolError } from '../errors.ts';
import { answered, curlSaid } from '../facts/admin.ts';
import { readFacts } from '../facts/gather.ts';
import { unitFact } from '../facts/system.ts';
import type { Connections } from '../runner/connections.ts';
import { batches } from '../runner/batches.ts';
import { onFleet } from '../runner/fleet.ts';
import { adminPost } from './admin.ts';
import { waitHealthy } from './gate.ts';
import { UNIT_NAME } from '../render/index.ts';

export { batches } from '../runner/batches.ts';

export interface RollingOptions {
  serial: { kind: 'count' | 'percent'; value: number };
  drainMs: number;
  healthTimeoutMs: number;
  minHealthy: number;
  /** Keep going while failed hosts stay within this percent of `total` (default 0: stop at the first). */
  maxFailPercent?: number;
  /** The run's size for --max-fail (default: hosts.length); a resumed run counts the hosts done before. */
  total?: number;
  /** Hosts that count as failed already (down before the start). */
  alreadyFailed?: ReadonlySet<string>;
  signal?: AbortSignal;
  log?: (host: string, message: string) => void;
  /** After each host: persist progress (resume state), report. */
  onHostDone?: (host: string, outcome: string | Error) => Promise<void> | void;
}

export async function restartOne(t: Transport, inv: Inventory, host: HostSpec, o: RollingOptions): Promise<string> {
  const log = (m: string) => o.log?.(host.name, m);
  const t0 = Date.now();
  const unit = unitFact(UNIT_NAME);
  const active = (await readFacts(t, [unit])).get(unit)?.activeState === 'active';
  if (active) {
    // Tell upstream checkers (and our own gate) to stop sending, then let open connections drain.
    const fail = await adminPost(t, inv, '/healthcheck/fail');
    log(
      answered(fail)
        ? 'healthcheck/fail set, draining'
        : `admin did not answer healthcheck/fail (${fail.status || curlSaid(fail)}), restarting anyway`,
    );
    await sleep(o.drainMs, o.signal);
    await adminPost(t, inv, '/drain_listeners?graceful');
  } else {
    log('was not active: starting it');
  }
  if (o.signal?.aborted)
    throw new ToolError('interrupted', 'interrupted before the restart (drained, not restarted)', { host: host.name });
  const res = await t.exec(['systemctl', 'restart', UNIT_NAME], { timeoutMs: o.healthTimeoutMs + 30_000 });
  if (res.code !== 0) {
    // systemctl only says "see journalctl": say what the journal says.
    const why = (await journalTail(t)) || res.stderr.split('\n')[0] || '';
    throw new RemoteError(host.name, `restart ${UNIT_NAME}`, 'systemctl restart', res.code, why);
  }
  const gate = await waitHealthy(t, inv, { timeoutMs: o.healthTimeoutMs, minHealthy: o.minHealthy, signal: o.signal });
  if (!gate.ok)
    throw new ToolError(
      'remote',
      `${gate.reason}${gate.reason.includes('unit is') ? ` — journal: ${await journalTail(t)}` : ''}`,
      { host: host.name },
    );
  return `restarted and healthy in ${((Date.now() - t0) / 1000).toFixed(1)}s`;
}

/** Outcome per host: a message, an Error for the host that failed, absent for hosts not reached. */
export async function rollingRestart(
  inv: Inventory,
  hosts: HostSpec[],
  conns: Connections,
  o: RollingOptions,
): Promise<Map<string, string | Error>> {
  const out = new Map<string, string | Error>();
  const failed = new Set(o.alreadyFailed ?? []);
  const total = o.total ?? hosts.length;
  for (const batch of batches(hosts, o.serial)) {
    if (o.signal?.aborted) break;
    // the whole batch at once; an abort stops between batches: a host in hand is finished, restarted and gated
    await onFleet<string>(
      batch,
      conns,
      {
        forks: batch.length,
        async onDone(r) {
          const outcome = r.ok ? r.value : asError(r.error);
          out.set(r.host.name, outcome);
          if (!r.ok) failed.add(r.host.name);
          await o.onHostDone?.(r.host.name, outcome);
        },
      },
      (t, h) => restartOne(t, inv, h, { ...o, signal: undefined }),
    );
    if ((failed.size * 100) / Math.max(1, total) > (o.maxFailPercent ?? 0)) break;
  }
  return out;
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** The unit's last journal lines, on one line. */
export async function journalTail(t: Transport, lines = 5): Promise<string> {
  const r = await t
    .exec(['journalctl', '-u', UNIT_NAME, '-n', String(lines), '--no-pager', '-o', 'cat'])
    .catch(() => undefined);
  return (r?.stdout ?? '').trim().split('\n').filter(Boolean).join(' | ');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
