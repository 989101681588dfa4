// validate --remote: each host's own installed envoy checks the config rendered for it, in a temp
// directory on the host that is removed afterwards. Nothing the service uses is touched.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { Transport } from '../ssh/index.ts';
import { renderConfigFiles } from '../render/index.ts';
import { writeFileLines } from '../modules/heredoc.ts';
import { quote } from '../ssh/index.ts';

export async function validateOnHost(t: Transport, inv: Inventory, host: HostSpec): Promise<{ ok: boolean; output: string }> {
  const dir = `/tmp/.ekp-validate-${process.pid}-${host.name}`;
  const envoy = posix.join(inv.paths.installDir, 'current', 'envoy');
  const lines = ['set -eu', `rm -rf -- ${quote(dir)}`, `mkdir -m 755 ${quote(dir)}`, `trap 'rm -rf -- ${quote(dir)}' EXIT INT TERM HUP`];
  lines.push(`[ -x ${quote(envoy)} ] || { echo "no envoy installed at ${envoy} (run install or deploy first)"; exit 3; }`);
  for (const f of renderConfigFiles(inv, host, { configDir: dir })) lines.push(...writeFileLines(posix.join(dir, f.name), f.content));
  lines.push(`chmod 644 ${quote(dir)}/*`);
  // as the service user when it exists, like the unit's ExecStartPre
  lines.push(`if id -u ${quote(inv.paths.user)} >/dev/null 2>&1; then runuser -u ${quote(inv.paths.user)} -- ${quote(envoy)} --mode validate -c ${quote(`${dir}/envoy.yaml`)} 2>&1; else ${quote(envoy)} --mode validate -c ${quote(`${dir}/envoy.yaml`)} 2>&1; fi`);
  const r = await t.exec(['sh', '-s'], { stdin: `${lines.join('\n')}\n` });
  return { ok: r.code === 0, output: (r.stdout + r.stderr).trim() };
}
