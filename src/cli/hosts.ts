// The inventory and the hosts a command works on (--hosts, --limit).
import { loadInventory } from '../inventory/index.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { limitHosts } from '../runner/limit.ts';
import { assertRenderValid } from '../validate/index.ts';
import { cacheDir } from '../release/fetch.ts';
import { Connections } from '../runner/connections.ts';
import { connect } from '../ssh/index.ts';

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
  // what changes hosts checks every run; a render accepted before by this code is remembered
  assertRenderValid(sel.inv, sel.hosts, { rememberIn: cacheDir() });
  return sel;
}

/** The selection, with one SSH connection per host for the command's run, all closed when it ends. */
export async function withFleet<T>(
  o: { hosts: string; limit?: string; commandTimeout?: number },
  signal: AbortSignal | undefined,
  fn: (sel: { inv: Inventory; hosts: HostSpec[] }, conns: Connections) => Promise<T>,
): Promise<T> {
  const sel = await selectHosts(o);
  const conns = new Connections((h, c) => connect(h, c), signal);
  try {
    return await fn(sel, conns);
  } finally {
    await conns.closeAll();
  }
}
