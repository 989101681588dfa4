// Envoy's admin interface is bound to the host's loopback: we reach it through SSH with curl on the
// host, never over the network.
import type { Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { adminUrl } from '../render/index.ts';

export interface AdminResponse {
  ok: boolean;
  status: number; // 0 when nothing answered
  body: string;
}

export async function admin(t: Transport, inv: Inventory, method: 'GET' | 'POST', path: string, timeoutS = 5): Promise<AdminResponse> {
  const res = await t.exec(['curl', '-sS', '--max-time', String(timeoutS), '-X', method, '-w', '\n%{http_code}', adminUrl(inv, path)]);
  const i = res.stdout.lastIndexOf('\n');
  const status = Number(res.stdout.slice(i + 1)) || 0;
  return { ok: res.code === 0 && status >= 200 && status < 300, status, body: res.code === 0 ? res.stdout.slice(0, Math.max(0, i)) : res.stderr.trim() };
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
