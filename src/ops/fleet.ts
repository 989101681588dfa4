// Day-2 commands do the same thing on every selected host: connect (a failed connect is that host's
// outcome, never a crash), run one function, keep the results in inventory order.
import type { HostSpec } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import type { Connections } from '../runner/connections.ts';
import { pool } from '../runner/limit.ts';

export type FleetOutcome<T> =
  | { host: HostSpec; ok: true; value: T }
  | { host: HostSpec; ok: false; unreachable: boolean; error: string };

export async function onFleet<T>(
  hosts: HostSpec[],
  conns: Connections,
  forks: number,
  fn: (t: Transport, host: HostSpec) => Promise<T>,
): Promise<FleetOutcome<T>[]> {
  const out = new Map<string, FleetOutcome<T>>();
  await pool(hosts, forks, async (host) => {
    let t: Transport;
    try {
      t = await conns.get(host);
    } catch (err) {
      return void out.set(host.name, { host, ok: false, unreachable: true, error: errorText(err) });
    }
    try {
      out.set(host.name, { host, ok: true, value: await fn(t, host) });
    } catch (err) {
      out.set(host.name, { host, ok: false, unreachable: false, error: errorText(err) });
    }
  });
  return hosts.map((h) => out.get(h.name)!);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
