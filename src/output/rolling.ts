// The recap of a rolling restart: one line per host, then what happened and what to do next.
import type { RollingReport } from '../ops/rolling-run.ts';
import { paint, type Style } from './format.ts';
import { safeText } from './safe-text.ts';

const COLOUR = {
  restarted: 'changed',
  failed: 'failed',
  'down-before-start': 'failed',
  'done-earlier': 'ok',
  'not-reached': 'skipped',
} as const;

export function formatRolling(r: RollingReport, style: Style): string {
  const w = Math.max(8, ...r.hosts.map((h) => h.host.length));
  const lines = [paint('ROLLING RESTART', 'bold', style)];
  for (const h of r.hosts)
    lines.push(`${h.host.padEnd(w)} ${paint(h.status.padEnd(17), COLOUR[h.status], style)} ${safeText(h.message)}`);
  const n = (s: string) => r.hosts.filter((h) => h.status === s).length;
  const secs = `${(r.ms / 1000).toFixed(1)}s`;
  if (r.ok)
    lines.push(
      `${r.hosts.length} host(s): ${n('restarted')} restarted${n('done-earlier') ? `, ${n('done-earlier')} done earlier` : ''} in ${secs}`,
    );
  else if (r.refused)
    lines.push(
      `nothing restarted: ${r.failed?.host} is ${safeText(r.failed?.reason ?? '')} (more than --max-fail allows)`,
    );
  else {
    lines.push(
      `stopped after ${secs}: ${n('restarted')} restarted, ${n('failed')} failed, ${n('not-reached')} left untouched${r.failed ? ` — first failure: ${r.failed.host}` : ''}`,
    );
  }
  if (r.resumable) lines.push(`progress kept in ${r.stateFile}: fix the cause, then run again with --resume`);
  return lines.join('\n');
}
