// The one way to do something on every selected host (plays, status, doctor, admin GET, validate
// --remote, rolling restarts): connect through the run's Connections, --forks hosts at a time, a
// failed connect is that host's outcome (never a crash), results in inventory order.
import type { HostSpec } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { detailOf } from '../errors.ts';
import type { Connections } from './connections.ts';
import { pool } from './limit.ts';

export type HostOutcome<T> =
  | { host: HostSpec; ok: true; value: T; ms: number }
  /** `detail`: what went wrong, without the host's name (the caller's line names it). */
  | { host: HostSpec; ok: false; unreachable: boolean; error: unknown; detail: string; ms: number };

export interface FleetOptions<T> {
  forks: number;
  /** Ctrl-C: the hosts in hand finish, no other starts. */
  signal?: AbortSignal;
  /** Asked before each host starts: true starts no other (e.g. --max-fail exceeded). */
  halt?: () => boolean;
  /** Before the host's connect: for live output. */
  onStart?: (host: HostSpec) => void;
  /** As soon as the host's outcome is known, in completion order. */
  onDone?: (outcome: HostOutcome<T>) => void | Promise<void>;
}

/** Per host, what fn learnt; `connectMs` is the time the connect took. */
export type OnHost<T> = (t: Transport, host: HostSpec, connectMs: number) => Promise<T>;

/** Outcomes in inventory order; a host never started (interrupted, halted) has none. */
export async function onFleet<T>(
  hosts: HostSpec[],
  conns: Connections,
  o: FleetOptions<T>,
  fn: OnHost<T>,
): Promise<HostOutcome<T>[]> {
  const out = new Map<string, HostOutcome<T>>();
  await pool(hosts, o.forks, async (host) => {
    if (o.signal?.aborted || o.halt?.()) return;
    o.onStart?.(host);
    const outcome = await onHost(host, conns, fn);
    out.set(host.name, outcome);
    await o.onDone?.(outcome);
  });
  return hosts.flatMap((h) => out.get(h.name) ?? []);
}

async function onHost<T>(host: HostSpec, conns: Connections, fn: OnHost<T>): Promise<HostOutcome<T>> {
  const started = Date.now();
  const failed = (error: unknown, unreachable: boolean): HostOutcome<T> => ({
    host,
    ok: false,
    unreachable,
    error,
    detail: detailOf(error, host.name),
    ms: Date.now() - started,
  });
  let t: Transport;
  try {
    t = await conns.get(host);
  } catch (err) {
    return failed(err, true);
  }
  try {
    const value = await fn(t, host, Date.now() - started);
    return { host, ok: true, value, ms: Date.now() - started };
  } catch (err) {
    return failed(err, false);
  }
}
