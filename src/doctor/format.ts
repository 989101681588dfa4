// The doctor report as text: one block per host, one line per check with its verdict, the fix
// under every line that is not ok, and a last line for the fleet.
import { paint, type Style } from '../output/format.ts';
import { safeText } from '../output/safe-text.ts';
import type { Check, FleetReport, HostReport, Verdict } from './types.ts';

const COLOR: Record<Verdict, 'ok' | 'changed' | 'failed'> = { ok: 'ok', warn: 'changed', fail: 'failed' };

export function counts(checks: Check[]): Record<Verdict, number> {
  const n = { ok: 0, warn: 0, fail: 0 };
  for (const c of checks) n[c.verdict] += 1;
  return n;
}

export function formatCheck(c: Check, style: Style, titleWidth: number): string[] {
  const verdict = paint(c.verdict.padEnd(5), COLOR[c.verdict], style);
  // summaries and details quote what the host said (versions, bodies, journal lines)
  const lines = [`  ${verdict} ${c.title.padEnd(titleWidth)}  ${safeText(c.summary)}`];
  const indent = ' '.repeat(8 + titleWidth + 2);
  for (const d of c.details ?? []) lines.push(`${indent}${paint(safeText(d), 'dim', style)}`);
  if (c.fix) lines.push(`${indent}fix: ${safeText(c.fix)}`);
  return lines;
}

export function formatHost(r: HostReport, style: Style): string {
  const n = counts(r.checks);
  const w = Math.min(30, Math.max(...r.checks.map((c) => c.title.length)));
  const head =
    `${paint(r.host, 'bold', style)} (${r.address}) ${paint(r.verdict, COLOR[r.verdict], style)}: ` +
    `${n.ok} ok, ${n.warn} warn, ${n.fail} fail ${paint(`(${(r.ms / 1000).toFixed(1)} s, ${r.roundTrips} round trip${r.roundTrips === 1 ? '' : 's'})`, 'dim', style)}`;
  return [head, ...r.checks.flatMap((c) => formatCheck(c, style, w))].join('\n');
}

export function formatFleet(f: FleetReport, style: Style): string {
  const blocks = f.hosts.map((h) => formatHost(h, style));
  const failing = f.hosts.filter((h) => h.verdict === 'fail').map((h) => h.host);
  const warning = f.hosts.filter((h) => h.verdict === 'warn').map((h) => h.host);
  const tail =
    `${f.hosts.length} host${f.hosts.length === 1 ? '' : 's'}: ` +
    (failing.length
      ? paint(`${failing.length} failing (${failing.join(', ')})`, 'failed', style)
      : paint('none failing', 'ok', style)) +
    (warning.length ? `, ${paint(`${warning.length} with warnings (${warning.join(', ')})`, 'changed', style)}` : '');
  return [...blocks, tail].join('\n\n');
}
