// The runner: per host, gather every fact the play needs in one round trip, then plan and execute
// each task in order; notified handlers run once at the end. Hosts run in parallel (--forks), each
// stops at its first failure while the others go on.
import type { HostSpec } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { detailOf, messageOf, RemoteError, ToolError } from '../errors.ts';
import { FactCache, factScript, uniqueFacts } from '../facts/gather.ts';
import type { Connections } from './connections.ts';
import { onFleet } from './fleet.ts';
import { acquireHostLock, type HostLock } from './host-lock.ts';
import { runFleetHandlers } from './handlers.ts';
import { count, newRecap, type HostRun, type Play } from './host-run.ts';
import { describeBatches, runGated } from './gated.ts';
import type { Handler, RunEvent, RunOptions, RunResult, Step, Task, TaskContext, TaskResult } from './types.ts';

/** Connected, locked, facts gathered, tasks built: a host ready to run (now, or in its gated batch). */
export interface Prepared {
  host: HostSpec;
  transport: Transport;
  ctx: TaskContext;
  tasks: { role: string; task: Task }[];
  started: number;
  /** Background tasks started before the host's gated turn (startEarly), by key. */
  early?: Map<Task['key'], Running>;
  /** Told when one of its background tasks is done (false: it failed). */
  onBackground?: (key: Task['key'], ok: boolean) => void;
}

type Outcome = Awaited<ReturnType<typeof runTask>>;
type Running = { role: string; outcome: Promise<Outcome> };

export async function runPlay(
  play: Play,
  opts: RunOptions,
  conns: Connections,
  emit: (e: RunEvent) => void,
): Promise<RunResult> {
  const results: TaskResult[] = [];
  const runs = new Map<string, HostRun>();
  let aborted = false;
  const record = (r: TaskResult) => {
    results.push(r);
    emit({ kind: 'task', result: r });
  };
  const tooManyFailed = () => {
    const failed = [...runs.values()].filter((r) => r.recap.failed > 0 || r.recap.unreachable).length;
    return (failed * 100) / play.hosts.length > opts.maxFailPercent;
  };
  // a gated run leaves hosts with changes for their batch; the others run at once
  const gate = opts.check ? undefined : opts.gate;
  const queued = new Map<string, Prepared>();
  const fail = (run: HostRun, host: string, started: number, err: unknown) => {
    // failed before or between tasks (fact gathering, building the host's tasks, interrupt)
    const r: TaskResult = {
      host,
      role: 'setup',
      task: 'facts and run lock',
      status: 'failed',
      error: messageOf(err),
      ms: Date.now() - started,
    };
    count(run.recap, r);
    record(r);
  };
  const execute = async (p: Prepared) => {
    const run = runs.get(p.host.name)!;
    try {
      await executeHost(p, opts, run, record, emit);
    } catch (err) {
      fail(run, p.host.name, p.started, err);
    } finally {
      run.recap.roundTrips = p.transport.stats.roundTrips;
      run.recap.bytesSent = p.transport.stats.bytesSent;
    }
  };

  const locks: HostLock[] = [];
  try {
    await onFleet(
      play.hosts,
      conns,
      {
        forks: opts.forks,
        signal: opts.signal,
        halt: () => aborted,
        onStart(host) {
          runs.set(host.name, { recap: newRecap(host.name), notified: new Set(), changed: new Set() });
          emit({ kind: 'host-start', host: host.name });
        },
        onDone(o) {
          const recap = runs.get(o.host.name)!.recap;
          recap.ms = o.ms;
          if (!o.ok) {
            recap.unreachable = true;
            recap.error = messageOf(o.error);
          }
          if (queued.has(o.host.name)) return; // done after its batch
          emit({ kind: 'host-done', host: o.host.name, failed: recap.failed > 0, unreachable: recap.unreachable });
          if (tooManyFailed()) aborted = true;
        },
      },
      async (transport, host) => {
        const run = runs.get(host.name)!;
        const started = Date.now();
        let p: Prepared;
        try {
          p = await prepareHost(play, host, transport, opts, locks, emit, started);
        } catch (err) {
          fail(run, host.name, started, err);
          run.recap.roundTrips = transport.stats.roundTrips;
          return;
        }
        run.recap.roundTrips = transport.stats.roundTrips;
        run.fresh = opts.gate?.fresh?.(p.ctx) ?? false;
        if (gate && (await wouldChange(p))) queued.set(host.name, p);
        else await execute(p);
      },
    );

    if (opts.check && opts.gate) describeBatches(play, opts.gate, runs, emit);
    if (gate && queued.size && !opts.signal?.aborted)
      await runGated(play, opts, gate, conns, runs, [...queued.values()], { execute, record, emit });
    const rest = new Set(play.hosts.filter((h) => !queued.has(h.name)).map((h) => h.name));
    if (!opts.signal?.aborted) await runFleetHandlers(play, opts, conns, runs, record, emit, rest);
  } finally {
    await Promise.all(locks.map((l) => l.release()));
  }
  return {
    results,
    recap: play.hosts.map((h) => runs.get(h.name)?.recap ?? newRecap(h.name)),
    aborted: aborted || !!opts.signal?.aborted,
  };
}

async function prepareHost(
  play: Play,
  host: HostSpec,
  transport: Transport,
  opts: RunOptions,
  locks: HostLock[],
  emit: (e: RunEvent) => void,
  started: number,
): Promise<Prepared> {
  const facts = new FactCache(host.name);
  const tasks = playOrder(
    play.roles.flatMap((role) => role.tasks(play.inv, host).map((task) => ({ role: role.name, task }))),
  );
  const specs = uniqueFacts(tasks.flatMap(({ task }) => task.module.facts({ diff: opts.diff })));
  if (opts.lock && !opts.check) {
    // a run that may change the host holds its lock until the fleet handlers are done too; the
    // facts are read on the lock's channel once it is held: one session, and nothing read unlocked
    const then = specs.length ? factScript(specs) : undefined;
    const lock = await acquireHostLock(transport, { answerMs: host.ssh.commandTimeoutMs, then });
    locks.push(lock);
    if (lock.tookOver) emit({ kind: 'note', host: host.name, message: `run lock: ${lock.tookOver}` });
    if (then) facts.accept(specs, lock.output ?? '');
  } else {
    await facts.gather(transport, specs);
  }
  const ctx: TaskContext = { inv: play.inv, host, facts, check: opts.check, diff: opts.diff, changed: new Set() };
  return { host, transport, ctx, tasks, started };
}

/** Would any task change (or fail on) the host? Plans only read the facts already gathered. */
async function wouldChange(p: Prepared): Promise<boolean> {
  for (const { task } of p.tasks) {
    const plan = await task.module.plan(p.ctx);
    if (plan.kind === 'change' || plan.kind === 'fail') return true;
  }
  return false;
}

/** Every role's prepare tasks first, in role order, then the other tasks (a stable partition). */
export function playOrder<T extends { task: Task }>(tasks: T[]): T[] {
  return [...tasks.filter((t) => t.task.prepare), ...tasks.filter((t) => !t.task.prepare)];
}

/** A host's prepare tasks that run in the background: what startEarly may start. */
export function earlyKeys(p: Prepared): Task['key'][] {
  return p.tasks.filter(({ task }) => task.prepare && task.background).map(({ task }) => task.key);
}

/**
 * A host waiting for its gated batch: its prepare tasks that are background tasks (a release
 * beside the current one: nothing running reads it) start now, when every task before them has
 * nothing to change, so that they are done when its turn comes. Check mode: nothing.
 */
export async function startEarly(
  p: Prepared,
  run: HostRun,
  opts: RunOptions,
  emit: (e: RunEvent) => void,
): Promise<void> {
  if (opts.check) return;
  const ctx: TaskContext = { ...p.ctx, changed: run.changed };
  for (const { role, task } of p.tasks) {
    if (!task.prepare || opts.signal?.aborted) return;
    if (task.background) {
      emit({ kind: 'task-start', host: p.host.name, role, task: task.key.title });
      (p.early ??= new Map()).set(task.key, { role, outcome: runTask(role, task, ctx, p.transport, opts) });
      continue;
    }
    const plan = await task.module.plan(ctx);
    if (plan.kind !== 'ok' && plan.kind !== 'skip') return;
  }
}

/** Waits for a host's early tasks and reports them (its batch never ran: the run stopped). */
export async function settleEarly(p: Prepared, run: HostRun, record: (r: TaskResult) => void): Promise<void> {
  for (const [key, { outcome }] of p.early ?? []) settleTask(run, record, await outcome, key);
  p.early?.clear();
}

/** A task's result counted and reported, its change and handlers noted; false when it failed. */
function settleTask(
  run: HostRun,
  record: (r: TaskResult) => void,
  { result: r, notify }: Outcome,
  key: Task['key'],
): boolean {
  count(run.recap, r);
  record(r);
  if (r.status === 'changed') {
    run.changed.add(key);
    for (const h of notify) run.notified.add(h);
  }
  return r.status !== 'failed';
}

async function executeHost(
  p: Prepared,
  opts: RunOptions,
  run: HostRun,
  record: (r: TaskResult) => void,
  emit: (e: RunEvent) => void,
): Promise<void> {
  const ctx: TaskContext = { ...p.ctx, changed: run.changed };
  const host = p.host.name;
  // background tasks still running, by key, with the role and title to show while one is awaited;
  // those started before the host's turn first
  const running = new Map<Task['key'], Running>(p.early);
  p.early?.clear();
  const settle = (o: Outcome, key: Task['key']) => settleTask(run, record, o, key);
  const join = async (key: Task['key']): Promise<boolean> => {
    const bg = running.get(key);
    if (!bg) return true;
    emit({ kind: 'task-start', host, role: bg.role, task: key.title });
    const outcome = await bg.outcome;
    running.delete(key);
    const ok = settle(outcome, key);
    p.onBackground?.(key, ok);
    return ok;
  };
  // a host that stops (a failure, Ctrl-C) still waits for what runs beside it, and reports it
  const joinAll = async () => {
    for (const key of [...running.keys()]) await join(key);
  };
  try {
    for (const { role, task } of p.tasks) {
      if (opts.signal?.aborted) throw new ToolError('interrupted', 'interrupted', { host });
      for (const key of task.after ?? []) if (!(await join(key))) return;
      if (running.has(task.key)) continue; // started early, before the host's gated turn
      emit({ kind: 'task-start', host, role, task: task.key.title });
      const outcome = runTask(role, task, ctx, p.transport, opts);
      if (task.background && !ctx.check) {
        running.set(task.key, { role, outcome });
        continue;
      }
      if (!settle(await outcome, task.key)) return;
    }
  } finally {
    await joinAll();
  }
}

/** Plans one task and, unless in check mode, runs what the plan says; never throws. */
export async function runTask(
  role: string,
  task: Task,
  ctx: TaskContext,
  transport: Transport,
  opts: Pick<RunOptions, 'signal'>,
): Promise<{ result: TaskResult; notify: Handler[] }> {
  const t0 = Date.now();
  const base = { host: ctx.host.name, role, task: task.key.title };
  const done = (status: TaskResult['status'], extra: Partial<TaskResult> = {}, notify: Handler[] = []) => ({
    result: {
      ...base,
      status,
      ...extra,
      ...(notify.length ? { notified: notify.map((h) => h.name) } : {}),
      ms: Date.now() - t0,
    },
    notify,
  });
  try {
    const plan = await task.module.plan(ctx);
    switch (plan.kind) {
      case 'ok':
        return done('ok', { message: plan.message });
      case 'skip':
        return done('skipped', { message: plan.reason });
      case 'fail':
        return done('failed', { error: `${ctx.host.name}: ${plan.reason}` });
      case 'probe':
        // what a probe waits for (a start, a stop) has not happened in check mode
        if (ctx.check) return done('ok', { message: `would wait: ${plan.message}` });
        for (const step of plan.steps) await runStep(step, transport, ctx.host.name, opts.signal);
        return done('ok', { message: plan.message });
      case 'change': {
        const notify = [...(task.notify ?? []), ...(plan.notify ?? [])];
        if (ctx.check)
          return done(
            'changed',
            { message: plan.message ? `would: ${plan.message}` : 'would change', diff: plan.diff },
            notify,
          );
        const notes: string[] = [];
        for (const step of plan.steps) await runStep(step, transport, ctx.host.name, opts.signal, notes);
        const message = [plan.message, ...notes].filter(Boolean).join('; ') || undefined;
        return done('changed', { message, diff: plan.diff }, notify);
      }
    }
  } catch (err) {
    return done('failed', { error: messageOf(err) });
  }
}

export async function runStep(
  step: Step,
  transport: Transport,
  host: string,
  signal?: AbortSignal,
  notes: string[] = [],
): Promise<string> {
  const all = async (steps: Step[]) => {
    let out = '';
    for (const s of steps) out = await runStep(s, transport, host, signal, notes);
    return out;
  };
  const interrupted = () => new ToolError('interrupted', `interrupted while trying to ${step.action}`, { host });
  if (step.kind === 'note') {
    notes.push(step.message);
    return '';
  }
  if (step.kind === 'lazy') {
    const steps = await step.resolve();
    if (signal?.aborted) throw interrupted(); // what it waited for may have ended because of Ctrl-C
    return all(steps);
  }
  if (step.kind === 'fallback') {
    try {
      return await all(step.steps);
    } catch (err) {
      if (signal?.aborted || (err instanceof ToolError && err.kind === 'interrupted')) throw err;
      return all(step.otherwise(detailOf(err, host)));
    }
  }
  if (step.kind === 'put') {
    await transport.put(step.source, step.path, { mode: step.mode });
    return '';
  }
  const res = await transport.exec(step.command, {
    stdin: step.stdin,
    timeoutMs: step.timeoutMs,
    signal,
    ...(step.become === false ? { become: false } : {}),
  });
  if (signal?.aborted) throw interrupted();
  if (res.code !== 0) {
    throw new RemoteError(
      host,
      step.action,
      Array.isArray(step.command) ? step.command.join(' ') : step.command,
      res.code,
      res.stderr || res.stdout,
    );
  }
  return res.stdout;
}
