// Fleet handlers: notified by tasks on each host, run once per run (or per gated batch) over every
// host that notified them, in declaration order.
import { messageOf } from '../errors.ts';
import type { Connections } from './connections.ts';
import { count, healthyRun, type HostRun, type Play } from './host-run.ts';
import type { RunEvent, RunOptions, TaskKey, TaskResult } from './types.ts';

export async function runFleetHandlers(
  play: Play,
  opts: RunOptions,
  conns: Connections,
  runs: Map<string, HostRun>,
  record: (r: TaskResult) => void,
  emit: (e: RunEvent) => void,
  /** A gated run calls this per batch, for that batch's hosts only. */
  only?: ReadonlySet<string>,
  batched = false,
): Promise<void> {
  // declaration order, each once, even when several roles list the same handler
  const fleet = [...new Set(play.roles.flatMap((r) => r.handlers ?? []))];
  for (const handler of fleet) {
    const hosts = play.hosts.filter((h) => {
      const run = runs.get(h.name);
      return (!only || only.has(h.name)) && healthyRun(run) && run.notified.has(handler);
    });
    if (hosts.length === 0) continue;
    const t0 = Date.now();
    if (opts.check) {
      for (const h of hosts)
        record({ host: h.name, role: 'handlers', task: handler.name, status: 'changed', message: 'would run', ms: 0 });
      continue;
    }
    const changed = new Map([...runs].map(([name, r]) => [name, r.changed as ReadonlySet<TaskKey>]));
    const outcome = await handler.run({ inv: play.inv, hosts, changed, conns, emit, signal: opts.signal, batched });
    for (const h of hosts) {
      const o = outcome.get(h.name);
      const base = { host: h.name, role: 'handlers', task: handler.name, ms: Date.now() - t0 };
      const r: TaskResult =
        o instanceof Error
          ? { ...base, status: 'failed', error: messageOf(o) }
          : o === undefined
            ? { ...base, status: 'skipped', message: 'not reached: stopped at an earlier failure' }
            : typeof o === 'string'
              ? { ...base, status: 'changed', message: o }
              : { ...base, ...o };
      const run = runs.get(h.name);
      if (run) count(run.recap, r);
      // a gate's rollback needs to know the handler acted on this host (e.g. restarted it)
      if (run && r.status === 'changed' && handler.key) run.changed.add(handler.key);
      record(r);
    }
  }
}
