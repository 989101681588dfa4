// A rolling restart as an operation: check every host first (a host already down counts against
// --max-fail), resume where the last run stopped, restart batch by batch through the gate, and keep
// the progress on disk until the run finishes.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Connections } from '../runner/connections.ts';
import { onFleet } from '../runner/fleet.ts';
import { checkOnce } from './gate.ts';
import { rollingRestart, type RollingOptions } from './rolling.ts';
import { clearState, loadState, remaining, saveState, statePath, type RollingState } from './rolling-state.ts';
import { acquireHostLock } from '../runner/host-lock.ts';
import { detailOf } from '../errors.ts';

export type HostResult =
  | { host: string; status: 'restarted'; message: string }
  | { host: string; status: 'failed'; message: string }
  | { host: string; status: 'down-before-start'; message: string }
  | { host: string; status: 'done-earlier' | 'not-reached'; message: string };

export interface RollingRunOptions extends Omit<RollingOptions, 'alreadyFailed' | 'total' | 'onHostDone'> {
  maxFailPercent: number;
  resume: boolean;
  forks: number;
  stateFile?: string;
}

export interface RollingReport {
  ok: boolean;
  /** Nothing was restarted: too many hosts were down before the start. */
  refused: boolean;
  hosts: HostResult[];
  failed?: { host: string; reason: string };
  /** Hosts that could not be reached (skipped; they count against --max-fail). */
  unreachable: string[];
  stateFile: string;
  /** The state file stays for --resume. */
  resumable: boolean;
  ms: number;
}

export class NothingToResume extends Error {}

export async function runRolling(
  inv: Inventory,
  hosts: HostSpec[],
  conns: Connections,
  o: RollingRunOptions,
): Promise<RollingReport> {
  const t0 = Date.now();
  const file = o.stateFile ?? statePath(inv.name);
  const prev = await loadState(file);
  if (o.resume && (!prev || prev.inventory !== inv.file))
    throw new NothingToResume(`nothing to resume: no unfinished rolling restart of ${inv.file} (${file})`);
  const state: RollingState =
    o.resume && prev ? prev : { inventory: inv.file, startedAt: new Date().toISOString(), updatedAt: '', done: [] };
  const todo = remaining(hosts, state);
  const results = new Map<string, HostResult>();
  for (const h of hosts)
    if (!todo.includes(h))
      results.set(h.name, { host: h.name, status: 'done-earlier', message: 'passed its gate in an earlier run' });

  // Before touching anything: who is down already? The host a resumed run stopped at is expected to be.
  const pre = await onFleet(todo, conns, { forks: o.forks }, (t) => checkOnce(t, inv, o.minHealthy));
  const down = new Map<string, string>();
  for (const p of pre) {
    if (p.ok && p.value.ok) continue;
    if (o.resume && p.host.name === state.failed?.host && p.ok) continue;
    down.set(p.host.name, p.ok ? p.value.reason : p.detail);
  }
  const unreachable = new Set(pre.filter((p) => !p.ok).map((p) => p.host.name));
  const budget = (n: number) => (n * 100) / Math.max(1, hosts.length) <= o.maxFailPercent;
  const finish = (extra: Partial<RollingReport>): RollingReport => ({
    ok: false,
    refused: false,
    stateFile: file,
    resumable: false,
    unreachable: [...unreachable],
    ...extra,
    hosts: hosts.map((h) => results.get(h.name) ?? { host: h.name, status: 'not-reached', message: 'left untouched' }),
    ms: Date.now() - t0,
  });
  for (const [h, why] of down) results.set(h, { host: h, status: 'down-before-start', message: why });
  if (!budget(down.size)) {
    const [host, reason] = [...down][0]!;
    return finish({ refused: true, failed: { host, reason: `down before the start: ${reason}` }, resumable: !!prev });
  }

  // no other changing run on any of these hosts while we restart them (deploy holds the same lock)
  const reached = pre.filter((p) => p.ok).map((p) => p.host);
  const taken = await Promise.allSettled(reached.map(async (h) => acquireHostLock(await conns.get(h))));
  const locks = taken.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  try {
    const i = taken.findIndex((r) => r.status === 'rejected');
    if (i >= 0) {
      const err = (taken[i] as PromiseRejectedResult).reason;
      const host = reached[i]!.name;
      return finish({ refused: true, failed: { host, reason: detailOf(err, host) }, resumable: !!prev });
    }
    return await restartLocked();
  } finally {
    await Promise.all(locks.map((l) => l.release()));
  }

  async function restartLocked(): Promise<RollingReport> {
    if (!o.resume) await saveState(file, state);
    let firstFailure: RollingState['failed'];
    // one write after the other, in the order the hosts finished: the last one on disk is the newest
    let saved = Promise.resolve();
    const out = await rollingRestart(
      inv,
      todo.filter((h) => !unreachable.has(h.name)),
      conns,
      {
        ...o,
        total: hosts.length,
        alreadyFailed: new Set(down.keys()),
        onHostDone: async (host, r) => {
          const why = r instanceof Error ? detailOf(r, host) : '';
          o.log?.(host, r instanceof Error ? `failed: ${why}` : r);
          if (r instanceof Error) {
            firstFailure ??= { host, reason: why };
            results.set(host, { host, status: 'failed', message: why });
          } else {
            state.done.push(host);
            results.set(host, { host, status: 'restarted', message: r });
          }
          const snapshot = { ...state, done: [...state.done], failed: firstFailure };
          saved = saved.catch(() => undefined).then(() => saveState(file, snapshot));
          await saved;
        },
      },
    );
    const allDone = hosts.every((h) => state.done.includes(h.name));
    const finished = allDone || (!o.signal?.aborted && todo.every((h) => out.has(h.name) || unreachable.has(h.name)));
    if (finished) await clearState(file);
    const failed =
      firstFailure ??
      (down.size
        ? { host: [...down.keys()][0]!, reason: `down before the start: ${[...down.values()][0]}` }
        : undefined);
    return finish({ ok: allDone && !o.signal?.aborted, failed, resumable: !finished });
  }
}
