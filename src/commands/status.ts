// status: one row per host — reachable, unit, version, uptime, listeners, healthy endpoints per
// cluster, config drift against what the inventory renders now, last start. One round trip per host.
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { onFleet } from '../runner/fleet.ts';
import { hostStatus, unreachableStatus, type HostStatus } from '../ops/status.ts';
import { formatStatus } from '../output/status-table.ts';
import { safeJson } from '../output/safe-text.ts';
import { EXIT, selectHosts, type CommonOptions } from './common.ts';
import { onInterrupt } from './play.ts';

/** 0 every host healthy; 1 any host degraded or down; 3 otherwise, when any host is unreachable. */
export function statusExitCode(rows: HostStatus[]): number {
  if (rows.some((r) => r.health === 'degraded' || r.health === 'down')) return EXIT.failed;
  if (rows.some((r) => r.health === 'unreachable')) return EXIT.unreachable;
  return EXIT.ok;
}

export async function statusCommand(o: CommonOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  const intr = onInterrupt();
  const conns = new Connections((h, c) => connect(h, c), intr.signal);
  const t0 = Date.now();
  try {
    const outcomes = await onFleet(hosts, conns, { forks: o.forks, signal: intr.signal }, (t, h) => hostStatus(t, inv, h));
    if (intr.signal.aborted) return EXIT.interrupted;
    const rows = outcomes.map((r) => (r.ok ? r.value : unreachableStatus(r.host, r.detail)));
    const code = statusExitCode(rows);
    if (o.json) {
      const count = (h: HostStatus['health']) => rows.filter((r) => r.health === h).length;
      const summary = { hosts: rows.length, healthy: count('healthy'), degraded: count('degraded'), down: count('down'), unreachable: count('unreachable') };
      const doc = { inventory: inv.file, checkedAt: new Date().toISOString(), ms: Date.now() - t0, exitCode: code, summary, clusters: inv.clusters.map((c) => c.name), hosts: rows };
      process.stdout.write(`${safeJson(doc, 2)}\n`);
    } else {
      const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
      process.stdout.write(`${formatStatus(rows, inv.clusters.map((c) => c.name), { color })}  (${((Date.now() - t0) / 1000).toFixed(1)}s)\n`);
    }
    return code;
  } finally {
    await conns.closeAll();
    intr.dispose();
  }
}
