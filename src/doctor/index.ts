// doctor: every selected host checked in parallel, one report. Read-only by construction: the
// probes are GETs and queries, each bounded by a timeout.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { readLock } from '../release/lockfile.ts';
import { pool } from '../runner/limit.ts';
import { doctorHost, type Connector } from './host.ts';
import { worst, type FleetReport, type HostReport } from './types.ts';

export type { Check, FleetReport, HostReport, Verdict } from './types.ts';
export type { Connector } from './host.ts';
export { formatFleet, formatHost } from './format.ts';

export async function doctorFleet(inv: Inventory, hosts: HostSpec[], connector: Connector, o: { forks: number; signal?: AbortSignal; onHost?: (r: HostReport) => void }): Promise<FleetReport> {
  const lock = await readLock();
  const reports = new Map<string, HostReport>();
  await pool(hosts, o.forks, async (h) => {
    const r = await doctorHost(inv, h, lock, connector, o.signal);
    reports.set(h.name, r);
    o.onHost?.(r);
  });
  // inventory order, whatever order the hosts finished in
  const ordered = hosts.map((h) => reports.get(h.name)!).filter(Boolean);
  return { inventory: inv.file, verdict: worst(ordered.map((r) => r.verdict)), hosts: ordered };
}
