// The TTY reporter: a listr2 task per host whose title follows the task it is on, ✔/✖ when the
// host is done; handler results, diffs and the recap follow as lines once the hosts are done.
// Only used when stdout is a terminal; CI and pipes get the plain line reporter.
import { Listr, type DefaultRenderer, type ListrTaskWrapper } from 'listr2';
import type { RunEvent, RunResult, TaskResult } from '../runner/types.ts';
import { formatDiff, formatRecap, formatTask, styleFor } from './format.ts';
import type { Reporter } from './reporter.ts';
import { safeText } from './safe-text.ts';

interface HostLine {
  task?: ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>;
  title: string;
  counts: { changed: number; ok: number; failed: number; skipped: number };
  settle?: (failed: Error | undefined) => void;
  done?: Error | null;
}

export function createTtyReporter(hosts: string[], o: { diff: boolean; out: NodeJS.WriteStream }): Reporter {
  const style = styleFor(o.out);
  const lines = new Map<string, HostLine>();
  const later: string[] = [];
  let finished = false;
  const write = (s: string) => (finished ? o.out.write(`${s}\n`) : later.push(s));
  const title = (h: string) => {
    const l = lines.get(h)!;
    const c = l.counts;
    return `${h.padEnd(8)} ${l.title}  (ok ${c.ok}, changed ${c.changed}${c.failed ? `, failed ${c.failed}` : ''})`;
  };
  const refresh = (h: string) => {
    const l = lines.get(h)!;
    if (l.task) l.task.title = title(h);
  };
  for (const h of hosts) lines.set(h, { title: 'waiting', counts: { changed: 0, ok: 0, failed: 0, skipped: 0 } });

  const listr = new Listr(
    hosts.map((h) => ({
      title: h,
      task: (_ctx: unknown, task: ListrTaskWrapper<unknown, typeof DefaultRenderer, typeof DefaultRenderer>) =>
        new Promise<void>((resolve, reject) => {
          const l = lines.get(h)!;
          l.task = task;
          refresh(h);
          l.settle = (err) => (err ? reject(err) : resolve());
          if (l.done !== undefined) l.settle(l.done ?? undefined);
        }),
    })),
    { concurrent: true, exitOnError: false, renderer: 'default', rendererOptions: { collapseErrors: false } },
  );
  const running = listr
    .run()
    .catch(() => undefined)
    .then(() => {
      finished = true;
      for (const s of later.splice(0)) o.out.write(`${s}\n`);
    });

  const settle = (h: string, err: Error | null) => {
    const l = lines.get(h);
    if (!l || l.done !== undefined) return;
    l.done = err;
    l.settle?.(err ?? undefined);
  };
  const record = (r: TaskResult) => {
    const l = lines.get(r.host);
    if (l && l.done === undefined) {
      l.counts[r.status] += 1;
      l.title = `${r.role} : ${r.task}`;
      refresh(r.host);
    }
    if (r.status === 'failed' || r.role === 'handlers') write(formatTask(r, style));
    if (o.diff && r.diff) for (const d of r.diff) write(formatDiff(d, style));
  };

  return {
    event(e: RunEvent) {
      if (e.kind === 'task-start') {
        const l = lines.get(e.host);
        if (l && l.done === undefined) {
          l.title = `${e.role} : ${e.task}`;
          refresh(e.host);
        }
      } else if (e.kind === 'task') record(e.result);
      else if (e.kind === 'host-done')
        settle(
          e.host,
          e.failed || e.unreachable ? new Error(`${e.host} ${e.unreachable ? 'unreachable' : 'failed'}`) : null,
        );
      else if (e.kind === 'note') write(e.host ? `${e.host.padEnd(8)} ${safeText(e.message)}` : safeText(e.message));
    },
    async done(res: RunResult, check: boolean) {
      for (const h of hosts) settle(h, null); // hosts never started (run stopped early)
      await running;
      o.out.write(`\n${formatRecap(res, style, check)}\n`);
    },
  };
}
