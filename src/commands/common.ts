// What every fleet command shares: options, the inventory + host selection, connections, reporting.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { loadInventory } from '../inventory/index.ts';
import { parseDuration } from '../inventory/formats.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { limitHosts } from '../runner/limit.ts';
import { assertRenderValid } from '../validate/index.ts';

export interface CommonOptions {
  hosts: string;
  limit?: string;
  forks: number;
  json: boolean;
  /** Overrides every host's ssh.commandTimeout (ms). */
  commandTimeout?: number;
}

/** Exit codes, documented in README: only the CLI decides them. */
export const EXIT = { ok: 0, failed: 1, input: 2, unreachable: 3, interrupted: 130 } as const;

export function withInventory(cmd: Command): Command {
  return cmd.requiredOption('-H, --hosts <inventory>', 'inventory name (hosts/<name>.yaml) or path');
}

export function withFleet(cmd: Command): Command {
  return withInventory(cmd)
    .option('-l, --limit <hosts>', 'only these hosts: names or globs, comma separated')
    .addOption(new Option('-f, --forks <n>', 'hosts worked on in parallel').default(16).argParser(positiveInt))
    .option('--json', 'print one JSON document instead of text', false)
    .option('--command-timeout <duration>', "deadline of each remote command and upload (default: the inventory's ssh.commandTimeout, 60s)", positiveDuration);
}

export function positiveDuration(v: string): number {
  const ms = parseDuration(v.trim());
  if (!ms) throw new InvalidArgumentError(`expected a duration above zero such as 30s or 2m, found "${v}"`);
  return ms;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, found "${v}"`);
  return n;
}

export function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected an integer >= 0, found "${v}"`);
  return n;
}

export function positivePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError(`expected a TCP port 1-65535, found "${v}"`);
  return n;
}

export function percent(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new InvalidArgumentError(`expected a percentage 0-100, found "${v}"`);
  return n;
}

/** How a command's action is started: the CLI awaits it and maps its result to the exit code. */
export type Action = (opts: never) => Promise<number>;
export type Run = (action: Action, opts: unknown) => void;

export async function selectHosts(o: { hosts: string; limit?: string; commandTimeout?: number }): Promise<{ inv: Inventory; hosts: HostSpec[] }> {
  const inv = await loadInventory(o.hosts);
  const ms = o.commandTimeout;
  const hosts = limitHosts(inv.hosts, o.limit);
  return { inv, hosts: ms === undefined ? hosts : hosts.map((h) => ({ ...h, ssh: { ...h.ssh, commandTimeoutMs: ms } })) };
}

/** For commands that change hosts: the selection, and every host's render strictly checked. */
export async function selectCheckedHosts(o: { hosts: string; limit?: string }): Promise<{ inv: Inventory; hosts: HostSpec[] }> {
  const sel = await selectHosts(o);
  assertRenderValid(sel.inv, sel.hosts);
  return sel;
}
