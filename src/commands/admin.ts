// admin: a tunnel to one host's admin interface (`admin --hosts X --limit lb1`), or one read-only
// GET on every selected host (`admin --hosts X GET /clusters`).
import { usageError } from '../errors.ts';
import { adminTunnel } from '../ops/admin-tunnel.ts';
import { adminGetFleet } from '../ops/admin-get.ts';
import { formatReplies } from '../output/admin-replies.ts';
import { connect } from '../ssh/index.ts';
import { safeJson, safeText } from '../output/safe-text.ts';
import { selectHosts, withFleet } from '../cli/hosts.ts';
import { FLEET, positivePort, type FleetOptions } from '../cli/options.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';

export interface AdminOptions extends FleetOptions {
  method?: string;
  path?: string;
  port?: number;
}

export const admin: CommandSpec<AdminOptions> = {
  name: 'admin',
  summary:
    "tunnel to one host's admin interface (127.0.0.1 on the host) until Ctrl-C, or `admin GET <path>` on every selected host (read-only)",
  arguments: [
    { name: '[method]', description: 'GET: fetch <path> from every selected host instead of opening a tunnel' },
    { name: '[path]', description: 'admin path, e.g. /clusters, /stats?format=json' },
  ],
  options: [
    ...FLEET,
    {
      flags: '-p, --port <port>',
      description: 'local port of the tunnel (default: any free port)',
      parse: positivePort,
    },
  ],
  // Ctrl-C is how a tunnel closes; a GET keeps the default
  interrupt: (o) => (o.method === undefined ? 'end' : 'none'),
  async action(o, ctx) {
    if (o.method === undefined) return tunnel(o, ctx.signal);
    if (o.method.toUpperCase() !== 'GET')
      throw usageError(
        'admin',
        `only GET is allowed (the admin API's POST endpoints drain or stop Envoy); found "${o.method}"`,
      );
    if (!o.path?.startsWith('/'))
      throw usageError('admin', `expected a path starting with /, e.g. \`admin --hosts ${o.hosts} GET /clusters\``);
    const path = o.path;
    return withFleet(o, ctx.signal, async ({ inv, hosts }, conns) => {
      const replies = await adminGetFleet(inv, hosts, path, conns, o.forks);
      if (o.json) console.log(safeJson({ inventory: inv.file, path, hosts: replies }, 2));
      else console.log(formatReplies(replies));
      return replies.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
    });
  },
};

async function tunnel(o: AdminOptions, signal: AbortSignal): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  if (hosts.length !== 1) {
    throw usageError(
      'admin',
      `the admin tunnel needs exactly one host, ${hosts.length} selected (${hosts.map((h) => h.name).join(', ')}): add --limit <host>`,
    );
  }
  const host = hosts[0]!;
  await adminTunnel(inv, host, (h) => connect(h, { signal }), {
    ...(o.port !== undefined ? { localPort: o.port } : {}),
    signal,
    onOpen(url, ready) {
      console.log(`${host.name}: Envoy admin (${inv.admin.address}:${inv.admin.port} on the host) at ${url}`);
      console.log(`${host.name}: ${safeText(ready)}; Ctrl-C closes the tunnel`);
    },
  });
  console.log(`${host.name}: tunnel closed`);
  return EXIT.ok;
}
