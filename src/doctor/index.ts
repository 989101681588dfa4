// doctor: every selected host checked in parallel, one report. Read-only by construction: the
// probes are GETs and queries, each bounded by a timeout.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { pinsPath, readPins } from '../release/pins.ts';
import type { Connections } from '../runner/connections.ts';
import { onFleet } from '../runner/fleet.ts';
import { doctorHost, failedReport, unreachableReport } from './host.ts';
import { worst, type FleetReport } from './types.ts';

export type { Check, FleetReport, HostReport, Verdict } from './types.ts';
export { formatFleet, formatHost } from './format.ts';

export async function doctorFleet(
  inv: Inventory,
  hosts: HostSpec[],
  conns: Connections,
  o: { forks: number; signal?: AbortSignal },
): Promise<FleetReport> {
  const lock = await readPins(pinsPath(inv.file));
  const outcomes = await onFleet(hosts, conns, { forks: o.forks, signal: o.signal }, (t, h, connectMs) =>
    doctorHost(t, inv, h, lock, connectMs, o.signal),
  );
  // inventory order, whatever order the hosts finished in; a host never started (Ctrl-C) is left out
  const reports = outcomes.map((r) =>
    r.ok ? r.value : r.unreachable ? unreachableReport(r.host, r.detail, r.ms) : failedReport(r.host, r.detail, r.ms),
  );
  return { inventory: inv.file, verdict: worst(reports.map((r) => r.verdict)), hosts: reports };
}
