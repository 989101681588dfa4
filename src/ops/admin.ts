// Envoy's admin interface is bound to the host's loopback: we reach it through SSH with curl on the
// host, never over the network.
import type { Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import type { FactSpec } from '../facts/types.ts';
import { adminFact, adminScript, parseAdminReplies, type AdminReply } from '../facts/admin.ts';
import { adminUrl } from '../render/index.ts';

/** GETs of admin paths, by name, in one probe of the host's fact round trip. */
export function adminGet<K extends string>(
  inv: Inventory,
  paths: Record<K, string>,
  timeoutS = 3,
): FactSpec<Record<K, AdminReply>> {
  const urls = Object.fromEntries(
    Object.entries<string>(paths).map(([name, path]) => [name, adminUrl(inv, path)]),
  ) as Record<K, string>;
  return adminFact(urls, { timeoutS });
}

/** A POST (health check fail, drain) changes Envoy's state: an action of its own, not a fact. */
export async function adminPost(t: Transport, inv: Inventory, path: string, timeoutS = 5): Promise<AdminReply> {
  const res = await t.exec(adminScript([adminUrl(inv, path)], { method: 'POST', timeoutS }));
  return parseAdminReplies(res.stdout, 1, res.code)[0]!;
}

export interface EndpointHealth {
  cluster: string;
  address: string;
  healthy: boolean;
  flags: string;
}

/** Parse GET /clusters (text): `<cluster>::<host:port>::health_flags::<flags>` lines. */
export function parseClusters(text: string): EndpointHealth[] {
  const out: EndpointHealth[] = [];
  for (const line of text.split('\n')) {
    const m = /^([^:]+)::(.+)::health_flags::(.*)$/.exec(line.trim());
    if (m) out.push({ cluster: m[1]!, address: m[2]!, flags: m[3]!, healthy: m[3] === 'healthy' });
  }
  return out;
}

/** `/clusters` text → active (proxied) connections per cluster: the sum of its endpoints' cx_active. */
export function parseActiveConnections(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const hit = /^([^:]+)::.+::cx_active::(\d+)$/.exec(line.trim());
    if (hit) m.set(hit[1]!, (m.get(hit[1]!) ?? 0) + Number(hit[2]));
  }
  return m;
}

export function healthyByCluster(eps: EndpointHealth[]): Map<string, { healthy: number; total: number }> {
  const m = new Map<string, { healthy: number; total: number }>();
  for (const e of eps) {
    const c = m.get(e.cluster) ?? { healthy: 0, total: 0 };
    c.total += 1;
    if (e.healthy) c.healthy += 1;
    m.set(e.cluster, c);
  }
  return m;
}
