// admin: a tunnel to one host's admin interface (`admin --hosts X --limit lb1`), or one read-only
// GET on every selected host (`admin --hosts X GET /clusters`).
import { InputError } from '../errors.ts';
import { adminTunnel } from '../ops/admin-tunnel.ts';
import { adminGetFleet } from '../ops/admin-get.ts';
import { formatReplies } from '../output/admin-replies.ts';
import { connect } from '../ssh/index.ts';
import { Connections } from '../runner/connections.ts';
import { safeJson, safeText } from '../output/safe-text.ts';
import { EXIT, selectHosts, type CommonOptions } from './common.ts';

export interface AdminOptions extends CommonOptions {
  port?: number;
}

const usage = (message: string) => new InputError('usage', [{ file: 'admin', path: '', message }]);

export async function adminCommand(method: string | undefined, path: string | undefined, o: AdminOptions): Promise<number> {
  if (method === undefined) return tunnel(o);
  if (method.toUpperCase() !== 'GET') throw usage(`only GET is allowed (the admin API's POST endpoints drain or stop Envoy); found "${method}"`);
  if (!path?.startsWith('/')) throw usage(`expected a path starting with /, e.g. \`admin --hosts ${o.hosts} GET /clusters\``);
  const { inv, hosts } = await selectHosts(o);
  const conns = new Connections((h) => connect(h));
  try {
    const replies = await adminGetFleet(inv, hosts, path, conns, o.forks);
    if (o.json) console.log(safeJson({ inventory: inv.file, path, hosts: replies }, 2));
    else console.log(formatReplies(replies));
    return replies.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
  } finally {
    await conns.closeAll();
  }
}

async function tunnel(o: AdminOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  if (hosts.length !== 1) {
    throw usage(`the admin tunnel needs exactly one host, ${hosts.length} selected (${hosts.map((h) => h.name).join(', ')}): add --limit <host>`);
  }
  const host = hosts[0]!;
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    await adminTunnel(inv, host, (h) => connect(h, { signal: ac.signal }), {
      ...(o.port !== undefined ? { localPort: o.port } : {}),
      signal: ac.signal,
      onOpen(url, ready) {
        console.log(`${host.name}: Envoy admin (${inv.admin.address}:${inv.admin.port} on the host) at ${url}`);
        console.log(`${host.name}: ${safeText(ready)}; Ctrl-C closes the tunnel`);
      },
    });
    console.log(`${host.name}: tunnel closed`);
    return EXIT.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
