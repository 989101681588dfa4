// Gated batches: hosts whose play changes something go in `gate.serial` batches, the first one
// being the canary, after one batch of all such hosts that served nothing before the run (see
// batches.ts). Each batch runs its tasks and handlers, then every host of it must pass the gate;
// a host that fails its tasks or its gate gets its previous state back (and is re-checked), and
// once more than --max-fail percent of the hosts have failed, the hosts not reached yet stay
// untouched.
import { messageOf } from '../errors.ts';
import { batchLabel, gatedBatches } from './batches.ts';
import type { Connections } from './connections.ts';
import { onFleet } from './fleet.ts';
import { runFleetHandlers } from './handlers.ts';
import { count, healthyRun, type HostRun, type Play } from './host-run.ts';
import { earlyKeys, settleEarly, startEarly, type Prepared } from './run.ts';
import type { Gate, RunEvent, RunOptions, TaskResult } from './types.ts';

interface Io {
  execute(p: Prepared): Promise<void>;
  record(r: TaskResult): void;
  emit(e: RunEvent): void;
}

export async function runGated(
  play: Play,
  opts: RunOptions,
  gate: Gate,
  conns: Connections,
  runs: Map<string, HostRun>,
  queue: Prepared[],
  io: Io,
): Promise<void> {
  // inventory order: the first host of the inventory is the canary
  const order = play.hosts.map((h) => h.name);
  const groups = gatedBatches(
    [...queue].sort((a, b) => order.indexOf(a.host.name) - order.indexOf(b.host.name)),
    gate.serial,
    (p) => !!runs.get(p.host.name)?.fresh,
  );
  io.emit({ kind: 'batches', hosts: groups.map((g) => g.items.map((p) => p.host.name)) });
  // The later batches' releases travel while the first batch is gated: once the canaries have
  // theirs (the download and its checksum proven; the batches are known, so is each host's seed).
  const later = groups.slice(1).flatMap((g) => g.items);
  const first = proof(later.length ? groups[0]!.items : []);
  const early = first.proven.then(async (ok) => {
    // a plan that throws here throws again, and is reported, in the host's own turn
    if (ok)
      await Promise.all(later.map((p) => startEarly(p, runs.get(p.host.name)!, opts, io.emit).catch(() => undefined)));
  });
  const failedHosts = () => [...runs.values()].filter((r) => !healthyRun(r)).length;
  let stopped: string | undefined;
  for (const [i, group] of groups.entries()) {
    const batch = group.items;
    const names = batch.map((p) => p.host.name);
    if (stopped || opts.signal?.aborted) {
      const why = stopped ?? 'interrupted';
      first.over(); // the first batch may be the one not run (Ctrl-C before it)
      await early;
      for (const p of batch) {
        await settleEarly(p, runs.get(p.host.name)!, io.record);
        const r: TaskResult = {
          host: p.host.name,
          role: 'gate',
          task: 'batch',
          status: 'skipped',
          message: why,
          ms: 0,
        };
        count(runs.get(p.host.name)!.recap, r);
        io.record(r);
        io.emit({ kind: 'host-done', host: p.host.name, failed: false, unreachable: false });
      }
      continue;
    }
    io.emit({
      kind: 'note',
      message: `batch ${i + 1}/${groups.length}${batchLabel(group)}: ${names.join(', ')}`,
    });
    if (i > 0) await early;
    const t0 = Date.now();
    await onFleet(
      batch.map((p) => p.host),
      conns,
      { forks: batch.length },
      (_t, h) => io.execute(batch.find((p) => p.host.name === h.name)!),
    );
    if (i === 0) first.over();
    await runFleetHandlers(play, opts, conns, runs, io.record, io.emit, new Set(names), true);
    const outcomes = await Promise.all(batch.map((p) => gateHost(gate, p, runs.get(p.host.name)!, io, conns)));
    // a host's time is its facts and plan (run.ts) plus its batch: tasks, handlers and gate
    for (const p of batch) runs.get(p.host.name)!.recap.ms += Date.now() - t0;
    const bad = outcomes.flatMap((o, j) => (o ? [`${names[j]}: ${o}`] : []));
    if (bad.length && (failedHosts() * 100) / play.hosts.length > opts.maxFailPercent)
      stopped = `not reached: the run stopped after ${bad.join('; ')}`;
  }
}

/**
 * `proven` is true once every host of `batch` has done each of its background prepare tasks (the
 * release: downloaded, uploaded and verified there); false as soon as one failed, or when the
 * batch's tasks are `over` without them all (the later batches then fetch in their turn).
 */
function proof(batch: Prepared[]): { proven: Promise<boolean>; over(): void } {
  let settle!: (ok: boolean) => void;
  const proven = new Promise<boolean>((resolve) => (settle = resolve));
  const keys = batch.map((p) => new Set(earlyKeys(p)));
  let pending = keys.reduce((n, k) => n + k.size, 0);
  if (!pending) settle(false);
  for (const [i, p] of batch.entries()) {
    p.onBackground = (key, ok) => {
      if (!ok) settle(false);
      else if (keys[i]!.delete(key) && --pending === 0) settle(true);
    };
  }
  return { proven, over: () => settle(false) };
}

/** Gate one host of the batch; undefined when it passed, else why it failed (after its rollback). */
async function gateHost(
  gate: Gate,
  p: Prepared,
  run: HostRun,
  io: Io,
  conns: Connections,
): Promise<string | undefined> {
  const t0 = Date.now();
  const host = p.host.name;
  const done = (r: Omit<TaskResult, 'host' | 'role' | 'ms'>) => {
    const res: TaskResult = { host, role: 'gate', ms: Date.now() - t0, ...r };
    count(run.recap, res);
    io.record(res);
    io.emit({ kind: 'host-done', host, failed: run.recap.failed > 0, unreachable: run.recap.unreachable });
  };
  if (run.recap.unreachable) {
    done({ task: 'health gate', status: 'skipped', message: 'unreachable' });
    return 'unreachable';
  }
  const failedTask = run.recap.failed > 0;
  if (failedTask && run.changed.size === 0) {
    // it failed before changing anything (a module that fails restores its own files)
    io.emit({ kind: 'host-done', host, failed: true, unreachable: false });
    return 'a task failed';
  }
  let why = 'a task failed';
  try {
    if (!failedTask) {
      if (run.changed.size === 0) {
        done({ task: 'health gate', status: 'ok', message: 'nothing changed' });
        return undefined;
      }
      const g = await gate.check(p.transport, p.host, run.changed);
      if (g.ok) {
        await gate.commit(p.transport, p.host, run.changed);
        done({ task: 'health gate', status: 'ok', message: g.reason });
        return undefined;
      }
      why = g.reason;
    }
    // the failed task or gate: put back what this run changed, and check the host again
    const restored = await gate.rollback(p.transport, p.host, run.changed, conns);
    // the recap says what was rolled back and why, under the host's line
    run.recap.error = `${host}: rolled back (${why}): ${restored}`;
    if (failedTask) done({ task: 'rollback', status: 'changed', message: `rolled back: ${restored}` });
    else done({ task: 'rollback', status: 'failed', error: `${host}: gate failed: ${why}; rolled back: ${restored}` });
    return `${why}, rolled back`;
  } catch (err) {
    // a host whose task failed is counted failed already (often its connection is what broke)
    if (failedTask) done({ task: 'rollback', status: 'skipped', message: `could not roll back: ${messageOf(err)}` });
    else
      done({
        task: 'rollback',
        status: 'failed',
        error: `${host}: gate failed: ${why}; rollback failed: ${messageOf(err)}`,
      });
    return `${why}, rollback failed`;
  }
}

/** Check mode: which hosts would change, whether each would restart, and in what batches. */
export function describeBatches(play: Play, gate: Gate, runs: Map<string, HostRun>, emit: (e: RunEvent) => void): void {
  const changing = play.hosts.filter((h) => (runs.get(h.name)?.recap.changed ?? 0) > 0);
  if (!changing.length) return;
  const groups = gatedBatches(changing, gate.serial, (h) => !!runs.get(h.name)?.fresh);
  // the handlers it would notify (the restart), else none: Envoy reloads xDS files in place
  const restart = (name: string) => [...(runs.get(name)?.notified ?? [])].map((h) => h.name).join(', ') || 'no restart';
  emit({
    kind: 'note',
    message: `would roll out to ${changing.length} host(s) in ${groups.length} gated batch(es):`,
  });
  for (const [i, b] of groups.entries())
    emit({
      kind: 'note',
      message: `  batch ${i + 1}${batchLabel(b)}: ${b.items.map((h) => `${h.name} (${restart(h.name)})`).join(', ')}`,
    });
}
