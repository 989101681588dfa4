// Pure formatting of run events and recaps: the same words on a TTY, in CI logs and in tests.
import { createTwoFilesPatch } from 'diff';
import type { Diff, HostRecap, RunResult, TaskResult } from '../runner/types.ts';
import { safeText } from './safe-text.ts';

export interface Style {
  color: boolean;
}

/** The one colour rule: a terminal, unless NO_COLOR is set (no-color.org). */
export function styleFor(out: NodeJS.WritableStream): Style {
  return { color: !!(out as NodeJS.WriteStream).isTTY && !process.env.NO_COLOR };
}

const CODES = { ok: 32, changed: 33, failed: 31, skipped: 36, dim: 2, bold: 1 } as const;

export function paint(s: string, code: keyof typeof CODES, style: Style): string {
  return style.color ? `\x1b[${CODES[code]}m${s}\x1b[0m` : s;
}

export function formatTask(r: TaskResult, style: Style, hostWidth = 8): string {
  const status = paint(r.status.padEnd(8), r.status, style);
  const detail = r.status === 'failed' ? r.error : r.message;
  const time = r.ms >= 1000 ? paint(` (${(r.ms / 1000).toFixed(1)}s)`, 'dim', style) : '';
  return `${r.host.padEnd(hostWidth)} ${status} ${r.role} : ${r.task}${detail ? ` — ${safeText(detail)}` : ''}${time}`;
}

export function formatDiff(d: Diff, style: Style): string {
  const patch = createTwoFilesPatch(
    d.before === null ? '/dev/null' : `a${d.path}`,
    d.after === null ? '/dev/null' : `b${d.path}`,
    d.before ?? '',
    d.after ?? '',
    undefined,
    undefined,
    { context: 3 },
  );
  return patch
    .split('\n')
    .slice(1) // the "====" line
    .filter((l, i, all) => !(i === all.length - 1 && l === ''))
    .map((l) =>
      l.startsWith('+') && !l.startsWith('+++')
        ? paint(l, 'ok', style)
        : l.startsWith('-') && !l.startsWith('---')
          ? paint(l, 'failed', style)
          : l,
    )
    .join('\n');
}

export function formatRecap(res: RunResult, style: Style, check = false): string {
  const w = Math.max(8, ...res.recap.map((r) => r.host.length));
  const lines = [paint(check ? 'PLAN RECAP (check mode: nothing was changed)' : 'RECAP', 'bold', style)];
  for (const r of res.recap) lines.push(formatRecapLine(r, style, w));
  const changed = res.recap.reduce((n, r) => n + r.changed, 0);
  const failed = res.recap.filter((r) => r.failed > 0 || r.unreachable).length;
  lines.push(
    `${res.recap.length} host${res.recap.length === 1 ? '' : 's'}: ${changed} ${check ? 'would change' : 'changed'}, ${failed} failed` +
      (res.aborted ? ' — run stopped early (interrupted or too many failures)' : ''),
  );
  return lines.join('\n');
}

function formatRecapLine(r: HostRecap, style: Style, w: number): string {
  const n = (k: 'ok' | 'changed' | 'failed' | 'skipped') =>
    paint(`${k}=${r[k]}`, r[k] > 0 || k === 'ok' ? k : 'dim', style);
  const unreach = paint(`unreachable=${r.unreachable ? 1 : 0}`, r.unreachable ? 'failed' : 'dim', style);
  const tail = paint(`${(r.ms / 1000).toFixed(1)}s, ${r.roundTrips} round trips`, 'dim', style);
  return `${r.host.padEnd(w)} ${n('ok')} ${n('changed')} ${n('failed')} ${n('skipped')} ${unreach}  ${tail}${r.error ? `\n${' '.repeat(w)} ${paint(safeText(r.error), 'failed', style)}` : ''}`;
}
