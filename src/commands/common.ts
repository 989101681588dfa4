// What every fleet command shares: options, the inventory + host selection, connections, reporting.
import { Option, type Command } from 'commander';
import { loadInventory } from '../inventory/index.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { limitHosts } from '../runner/limit.ts';

export interface CommonOptions {
  hosts: string;
  limit?: string;
  forks: number;
  json: boolean;
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
    .option('--json', 'print one JSON document instead of text', false);
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`expected a positive integer, found "${v}"`);
  return n;
}

export async function selectHosts(o: { hosts: string; limit?: string }): Promise<{ inv: Inventory; hosts: HostSpec[] }> {
  const inv = await loadInventory(o.hosts);
  return { inv, hosts: limitHosts(inv.hosts, o.limit) };
}
