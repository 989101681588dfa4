// run: Envoy in the foreground on this machine with one host's rendered config; exit code = Envoy's.
import { usageError } from '../errors.ts';
import { adminUrl, listenerName } from '../render/index.ts';
import { runLocal } from '../ops/run-local.ts';
import { loadInventory } from '../inventory/index.ts';
import { findEnvoyOnPath } from '../validate/index.ts';
import { HOSTS, nonNegativeInt } from '../cli/options.ts';
import type { CommandSpec } from '../cli/spec.ts';

export interface RunOptions {
  hosts: string;
  host?: string;
  envoy?: string;
  baseId?: number;
  logLevel: string;
}

export const run: CommandSpec<RunOptions> = {
  name: 'run',
  summary:
    "run Envoy in the foreground on this machine with one host's rendered config (temp dir), until Ctrl-C; exit code = Envoy's",
  options: [
    HOSTS,
    { flags: '--host <name>', description: 'whose config to render (default: the first host)' },
    { flags: '--envoy <path>', description: 'Envoy binary (default: envoy on PATH)' },
    {
      flags: '--base-id <n>',
      description: "Envoy's --base-id, to run next to another Envoy with hot restart (default: hot restart off)",
      parse: nonNegativeInt,
    },
    { flags: '--log-level <level>', description: "Envoy's --log-level", default: 'info' },
  ],
  // runLocal forwards Ctrl-C to Envoy, whose exit code is ours
  interrupt: 'none',
  async action(o) {
    const inv = await loadInventory(o.hosts);
    const host = o.host === undefined ? inv.hosts[0] : inv.hosts.find((h) => h.name === o.host);
    if (!host)
      throw usageError('run', `no host "${o.host}" in ${inv.file} (hosts: ${inv.hosts.map((h) => h.name).join(', ')})`);
    const envoy = o.envoy ?? (await findEnvoyOnPath());
    if (!envoy) throw usageError('run', 'no `envoy` on PATH: pass --envoy <path to an Envoy binary>');
    const say = (line: string) => process.stderr.write(`${line}\n`);
    return runLocal(inv, host, {
      envoy,
      logLevel: o.logLevel,
      ...(o.baseId !== undefined ? { baseId: o.baseId } : {}),
      onStart(dir, argv) {
        say(`run: config of ${host.name} from ${inv.file} rendered into ${dir} (removed on exit)`);
        for (const c of inv.clusters) {
          say(
            `run: ${listenerName(c)} on ${host.listenAddress ?? c.listenAddress}:${c.listenPort} → ${c.endpoints.map((e) => `${e.host}:${e.port}`).join(', ')}`,
          );
        }
        say(`run: admin ${adminUrl(inv, '/')}`);
        say(`run: ${argv.join(' ')}   (Ctrl-C stops it)`);
      },
    });
  },
};
