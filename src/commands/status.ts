// status: one row per host — reachable, unit, version, uptime, listeners, healthy endpoints per
// cluster, config drift against what the inventory renders now, last start. One round trip per host.
import { onFleet } from '../runner/fleet.ts';
import { hostStatus, unreachableStatus, type HostStatus } from '../ops/status.ts';
import { formatStatus } from '../output/status-table.ts';
import { safeJson } from '../output/safe-text.ts';
import { withFleet } from '../cli/hosts.ts';
import { FLEET, type FleetOptions } from '../cli/options.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';

/** 0 every host healthy; 1 any host degraded or down; 3 otherwise, when any host is unreachable. */
export function statusExitCode(rows: HostStatus[]): number {
  if (rows.some((r) => r.health === 'degraded' || r.health === 'down')) return EXIT.failed;
  if (rows.some((r) => r.health === 'unreachable')) return EXIT.unreachable;
  return EXIT.ok;
}

export const status: CommandSpec<FleetOptions & { wide: boolean }> = {
  name: 'status',
  summary:
    'one row per host: unit, version, uptime, listeners, healthy endpoints per cluster, config drift, last start',
  options: [
    ...FLEET,
    {
      flags: '-w, --wide',
      description: 'also the active (proxied) connections per host and per cluster',
      default: false,
    },
  ],
  interrupt: 'stop',
  async action(o, ctx) {
    return withFleet(o, ctx.signal, async ({ inv, hosts }, conns) => {
      const t0 = Date.now();
      const outcomes = await onFleet(hosts, conns, { forks: o.forks, signal: ctx.signal }, (t, h) =>
        hostStatus(t, inv, h),
      );
      if (ctx.signal.aborted) return EXIT.interrupted; // a half-read fleet is not shown
      const rows = outcomes.map((r) => (r.ok ? r.value : unreachableStatus(r.host, r.detail)));
      const code = statusExitCode(rows);
      if (o.json) {
        const count = (h: HostStatus['health']) => rows.filter((r) => r.health === h).length;
        const summary = {
          hosts: rows.length,
          healthy: count('healthy'),
          degraded: count('degraded'),
          down: count('down'),
          unreachable: count('unreachable'),
        };
        const doc = {
          inventory: inv.file,
          checkedAt: new Date().toISOString(),
          ms: Date.now() - t0,
          exitCode: code,
          summary,
          clusters: inv.clusters.map((c) => c.name),
          hosts: rows,
        };
        process.stdout.write(`${safeJson(doc, 2)}\n`);
      } else {
        const table = formatStatus(
          rows,
          inv.clusters.map((c) => c.name),
          ctx.style,
          new Date(),
          { wide: o.wide },
        );
        process.stdout.write(`${table}  (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
      }
      return code;
    });
  },
};
