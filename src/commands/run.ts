// run: Envoy in the foreground on this machine with one host's rendered config; exit code = Envoy's.
import { InputError } from '../errors.ts';
import { listenerName } from '../render/index.ts';
import { runLocal } from '../ops/run-local.ts';
import { adminUrl } from '../render/index.ts';
import { loadInventory } from '../inventory/index.ts';
import { findOnPath } from './envoy-path.ts';

export interface RunOptions {
  hosts: string;
  host?: string;
  envoy?: string;
  baseId?: number;
  logLevel: string;
}

const usage = (message: string) => new InputError('usage', [{ file: 'run', path: '', message }]);

export async function runCommand(o: RunOptions): Promise<number> {
  const inv = await loadInventory(o.hosts);
  const host = o.host === undefined ? inv.hosts[0] : inv.hosts.find((h) => h.name === o.host);
  if (!host) throw usage(`no host "${o.host}" in ${inv.file} (hosts: ${inv.hosts.map((h) => h.name).join(', ')})`);
  const envoy = o.envoy ?? (await findOnPath('envoy'));
  if (!envoy) throw usage('no `envoy` on PATH: pass --envoy <path to an Envoy binary>');
  const say = (line: string) => process.stderr.write(`${line}\n`);
  return runLocal(inv, host, {
    envoy,
    logLevel: o.logLevel,
    ...(o.baseId !== undefined ? { baseId: o.baseId } : {}),
    onStart(dir, argv) {
      say(`run: config of ${host.name} from ${inv.file} rendered into ${dir} (removed on exit)`);
      for (const c of inv.clusters) say(`run: ${listenerName(c)} on ${host.listenAddress ?? c.listenAddress}:${c.listenPort} → ${c.endpoints.map((e) => `${e.host}:${e.port}`).join(', ')}`);
      say(`run: admin ${adminUrl(inv, '/')}`);
      say(`run: ${argv.join(' ')}   (Ctrl-C stops it)`);
    },
  });
}
