// The inventory and the hosts a command works on (--hosts, --limit).
import { loadInventory } from '../inventory/index.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { limitHosts } from '../runner/limit.ts';
import { assertRenderValid } from '../validate/index.ts';

export async function selectHosts(o: {
  hosts: string;
  limit?: string;
  commandTimeout?: number;
}): Promise<{ inv: Inventory; hosts: HostSpec[] }> {
  const inv = await loadInventory(o.hosts);
  const hosts = limitHosts(inv.hosts, o.limit);
  // --command-timeout wins over every host's ssh.commandTimeout
  const ms = o.commandTimeout;
  return {
    inv,
    hosts: ms === undefined ? hosts : hosts.map((h) => ({ ...h, ssh: { ...h.ssh, commandTimeoutMs: ms } })),
  };
}

/** For commands that change hosts: the selection, and every host's render strictly checked. */
export async function selectCheckedHosts(o: {
  hosts: string;
  limit?: string;
  commandTimeout?: number;
}): Promise<{ inv: Inventory; hosts: HostSpec[] }> {
  const sel = await selectHosts(o);
  assertRenderValid(sel.inv, sel.hosts);
  return sel;
}
