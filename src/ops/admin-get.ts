// `admin GET <path>` on many hosts: each host fetches from its own loopback admin listener (curl
// over SSH, like the health gate); the bodies come back in inventory order.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { pool } from '../runner/limit.ts';
import { admin } from './admin.ts';

export interface HostReply {
  host: string;
  ok: boolean;
  status: number; // 0: no HTTP answer
  body: string;
  error?: string;
}

export async function adminGetFleet(inv: Inventory, hosts: HostSpec[], path: string, connector: (h: HostSpec) => Promise<Transport>, forks: number): Promise<HostReply[]> {
  const replies = new Map<string, HostReply>();
  await pool(hosts, forks, async (h) => {
    let t: Transport | undefined;
    try {
      t = await connector(h);
      const r = await admin(t, inv, 'GET', path);
      const reply: HostReply = { host: h.name, ok: r.ok, status: r.status, body: r.status ? r.body : '' };
      if (!r.status) reply.error = r.body || 'the admin listener did not answer';
      else if (!r.ok) reply.error = `HTTP ${r.status}`;
      replies.set(h.name, reply);
    } catch (err) {
      replies.set(h.name, { host: h.name, ok: false, status: 0, body: '', error: (err as Error).message.replace(`${h.name}: `, '') });
    } finally {
      await t?.close().catch(() => undefined);
    }
  });
  return hosts.map((h) => replies.get(h.name)!);
}
