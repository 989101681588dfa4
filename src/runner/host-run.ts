// What the runner keeps per host during a play, shared by the task loop, the fleet handlers and
// the gated batches.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Handler, HostRecap, Role, TaskKey, TaskResult } from './types.ts';

export interface Play {
  inv: Inventory;
  hosts: HostSpec[];
  roles: Role[];
}

export interface HostRun {
  recap: HostRecap;
  notified: Set<Handler>;
  changed: Set<TaskKey>;
  /** It served nothing before the run (Gate.fresh): gated together with the other such hosts. */
  fresh?: boolean;
}

export function newRecap(host: string): HostRecap {
  return { host, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: false, roundTrips: 0, bytesSent: 0, ms: 0 };
}

export function count(recap: HostRecap, r: TaskResult): void {
  recap[r.status] += 1;
}

/** A host that stopped at a failure (or never connected) gets no handler and no gate. */
export function healthyRun(run: HostRun | undefined): run is HostRun {
  return !!run && run.recap.failed === 0 && !run.recap.unreachable;
}
