// Where run events go: line-based text (TTY colours, or plain for CI and pipes), or JSON for
// machines. One reporter owns stdout for a run.
import type { RunEvent, RunResult } from '../runner/types.ts';
import { formatDiff, formatRecap, formatTask, styleFor, type Style } from './format.ts';
import { safeJson, safeText } from './safe-text.ts';
import { createTtyReporter } from './tty.ts';

export interface Reporter {
  event(e: RunEvent): void;
  done(res: RunResult, check: boolean): void | Promise<void>;
}

export interface ReporterOptions {
  json: boolean;
  diff: boolean;
  out?: NodeJS.WritableStream;
  color?: boolean;
}

export function createReporter(o: ReporterOptions & { hosts?: string[] }): Reporter {
  const out = o.out ?? process.stdout;
  const tty = (out as NodeJS.WriteStream).isTTY && !o.json && !process.env.CI && o.hosts;
  if (tty) return createTtyReporter(o.hosts!, { diff: o.diff, out: out as NodeJS.WriteStream });
  const write = (s: string) => out.write(`${s}\n`);
  if (o.json) {
    return {
      event() {},
      done(res, check) {
        write(safeJson({ check, aborted: res.aborted, recap: res.recap, results: res.results }, 2));
      },
    };
  }
  const style: Style = o.color === undefined ? styleFor(out) : { color: o.color };
  return {
    event(e) {
      if (e.kind === 'task') {
        write(formatTask(e.result, style));
        if (o.diff && e.result.diff) for (const d of e.result.diff) write(formatDiff(d, style));
      } else if (e.kind === 'note') {
        write(e.host ? `${e.host.padEnd(8)} ${safeText(e.message)}` : safeText(e.message));
      } else if (e.kind === 'host-done' && e.unreachable) {
        // the recap names the reason; say it as it happens too
        write(`${e.host.padEnd(8)} unreachable`);
      }
    },
    done(res, check) {
      write('');
      write(formatRecap(res, style, check));
    },
  };
}
