// The `status` table: one row per host, one column per proxied cluster, then the problems of every
// host that is not healthy, then a one-line summary.
import type { HostStatus } from '../ops/status.ts';
import { paint, type Style } from './format.ts';
import { formatTable } from './table.ts';
import { safeText } from './safe-text.ts';

/** `Wed 2026-11-25 12:48:04 UTC` → `12:48:04` on the same UTC day as now, else `2026-11-25 12:48`. */
export function shortTime(systemd: string, now = new Date()): string {
  const m = /(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}):(\d{2})/.exec(systemd);
  if (!m) return systemd ? systemd : '-';
  return m[1] === now.toISOString().slice(0, 10) ? `${m[2]}:${m[3]}` : `${m[1]} ${m[2]}`;
}

export function formatUptime(s: number | null | undefined): string {
  if (s === null || s === undefined) return '-';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

const HEALTH_COLOUR = { healthy: 'ok', degraded: 'changed', down: 'failed', unreachable: 'failed' } as const;

/** wide: active connections per cluster (in its cell) and per host (a CONNS column). */
export interface StatusLayout {
  wide?: boolean;
}

export function statusRow(
  h: HostStatus,
  clusters: string[],
  style: Style,
  now = new Date(),
  layout: StatusLayout = {},
): string[] {
  const health = paint(h.health, HEALTH_COLOUR[h.health], style);
  if (h.health === 'unreachable')
    return [h.host, health, ...Array(6 + clusters.length + (layout.wide ? 1 : 0)).fill('-')];
  const u = h.unit!;
  const unit = `${u.activeState}${u.subState && u.subState !== 'running' ? `/${u.subState}` : ''} since ${shortTime(u.since, now)}`;
  const v = h.version!;
  const version =
    !v.binary && !v.running
      ? '-'
      : v.running && v.binary && v.running !== v.binary
        ? `${v.binary} (running ${v.running})`
        : (v.running ?? v.binary ?? '-');
  const listeners = `${h.listeners!.up}/${h.listeners!.expected}`;
  const cells = clusters.map((name) => {
    const c = h.clusters!.find((x) => x.name === name);
    if (!c || u.activeState !== 'active') return '-';
    const s = `${c.healthy}/${c.total}`;
    const cell = c.healthy === c.total ? s : paint(s, c.healthy === 0 ? 'failed' : 'changed', style);
    return layout.wide ? `${cell} ${connections(c.activeConnections)}` : cell;
  });
  const d = h.drift!;
  const l = h.loaded;
  const config =
    l?.state === 'rejected'
      ? paint(`rejected (${l.rejected.join(', ')})`, 'failed', style)
      : l?.state === 'pending'
        ? paint(`pending (${l.pending.join(', ')})`, 'changed', style)
        : d.state === 'in-sync'
          ? 'in sync'
          : d.state === 'missing'
            ? paint('missing', 'failed', style)
            : paint(`drifted (${[...d.drifted, ...d.missing].join(', ')})`, 'changed', style);
  const started = u.startedAt
    ? `${shortTime(u.startedAt, now)}, ${u.nRestarts} auto-restart${u.nRestarts === 1 ? '' : 's'}`
    : '-';
  // unit states and the version string are what the host said
  return [
    h.host,
    health,
    safeText(unit),
    safeText(version),
    formatUptime(h.uptimeS),
    listeners,
    ...(layout.wide ? [connections(h.activeConnections)] : []),
    ...cells,
    config,
    started,
  ];
}

const connections = (n: number | undefined) => (n === undefined ? '? conns' : `${n} conn${n === 1 ? '' : 's'}`);

export function formatStatus(
  rows: HostStatus[],
  clusters: string[],
  style: Style,
  now = new Date(),
  layout: StatusLayout = {},
): string {
  const header = [
    ...['HOST', 'HEALTH', 'UNIT', 'VERSION', 'UPTIME', 'LISTENERS'],
    ...(layout.wide ? ['CONNS'] : []),
    ...clusters,
    ...['CONFIG', 'LAST START'],
  ];
  const out = [
    formatTable(
      header,
      rows.map((r) => statusRow(r, clusters, style, now, layout)),
    ),
  ];
  const bad = rows.filter((r) => r.health !== 'healthy');
  if (bad.length) out.push('', ...bad.map((r) => `${r.host}: ${safeText(r.problems.join('; '))}`));
  out.push('', summaryLine(rows));
  return out.join('\n');
}

export function summaryLine(rows: HostStatus[]): string {
  const n = (h: HostStatus['health']) => rows.filter((r) => r.health === h).length;
  return `${rows.length} host${rows.length === 1 ? '' : 's'}: ${n('healthy')} healthy, ${n('degraded')} degraded, ${n('down')} down, ${n('unreachable')} unreachable`;
}
