// `admin GET <path>` on many hosts: each host fetches from its own loopback admin listener (the
// admin fact, one round trip); the bodies come back in inventory order.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Connections } from '../runner/connections.ts';
import { onFleet } from '../runner/fleet.ts';
import { readFacts } from '../facts/gather.ts';
import { answered, curlSaid, type AdminReply } from '../facts/admin.ts';
import { adminGet } from './admin.ts';

export interface HostReply {
  host: string;
  ok: boolean;
  status: number; // 0: no HTTP answer
  body: string;
  error?: string;
}

export async function adminGetFleet(
  inv: Inventory,
  hosts: HostSpec[],
  path: string,
  conns: Connections,
  forks: number,
): Promise<HostReply[]> {
  const spec = adminGet(inv, { reply: path }, 5);
  const outcomes = await onFleet(hosts, conns, { forks }, async (t) => (await readFacts(t, [spec])).get(spec)?.reply);
  return outcomes.map((o) =>
    o.ok ? hostReply(o.host.name, o.value) : { host: o.host.name, ok: false, status: 0, body: '', error: o.detail },
  );
}

function hostReply(host: string, r: AdminReply | undefined): HostReply {
  if (!r) return { host, ok: false, status: 0, body: '', error: 'the admin listener did not answer' };
  const reply: HostReply = { host, ok: answered(r), status: r.status, body: r.status ? r.body : '' };
  if (!r.status) reply.error = curlSaid(r) || 'the admin listener did not answer';
  else if (!reply.ok) reply.error = r.error ? curlSaid(r) : `HTTP ${r.status}`;
  return reply;
}
