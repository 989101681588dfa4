// validate --remote: each host's own installed envoy checks the config rendered for it, in a
// private temp directory (mktemp -d: unpredictable, created 0700) removed on exit whatever happens.
// Nothing the service uses is touched.
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { connect, quote, type Transport } from '../ssh/index.ts';
import { renderConfigFiles } from '../render/index.ts';
import { writeFileLines } from '../modules/heredoc.ts';
import { Connections } from '../runner/connections.ts';
import { onFleet } from '../runner/fleet.ts';
import { messageOf } from '../errors.ts';

/** Rendered in place of the directory, whose name only mktemp on the host knows. */
export const DIR_PLACEHOLDER = '/EKP_VALIDATE_DIR';

export function validateScript(inv: Inventory, host: HostSpec): string {
  const envoy = posix.join(inv.paths.installDir, 'current', 'envoy');
  const user = quote(inv.paths.user);
  const lines = [
    'set -eu',
    `[ -x ${quote(envoy)} ] || { echo "no envoy installed at ${envoy} (run install or deploy first)"; exit 3; }`,
    'd=$(mktemp -d /tmp/ekp-validate.XXXXXXXXXX)',
    `trap 'rm -rf -- "$d"' EXIT`,
    // a signal runs the EXIT trap too (dash does not on its own)
    `trap 'exit 130' INT TERM HUP`,
  ];
  const files = renderConfigFiles(inv, host, { configDir: DIR_PLACEHOLDER });
  for (const f of files)
    lines.push(...writeFileLines(posix.join(DIR_PLACEHOLDER, f.name), f.content, `"$d"/${quote(f.name)}`));
  // mktemp's name is [A-Za-z0-9/.], safe in a sed replacement
  lines.push(`for f in "$d"/*; do sed -i "s#${DIR_PLACEHOLDER}/#$d/#g" "$f"; done`);
  // as the service user when it exists, like the unit's ExecStartPre: readable by its group only
  lines.push(
    `if id -u ${user} >/dev/null 2>&1; then`,
    `  chgrp ${quote(inv.paths.group)} "$d" "$d"/*; chmod 750 "$d"; chmod 640 "$d"/*`,
    `  runuser -u ${user} -- ${quote(envoy)} --mode validate -c "$d/envoy.yaml" 2>&1`,
    `else ${quote(envoy)} --mode validate -c "$d/envoy.yaml" 2>&1; fi`,
  );
  return `${lines.join('\n')}\n`;
}

export async function validateOnHost(
  t: Transport,
  inv: Inventory,
  host: HostSpec,
): Promise<{ ok: boolean; output: string }> {
  const r = await t.exec(['sh', '-s'], { stdin: validateScript(inv, host) });
  return { ok: r.code === 0, output: (r.stdout + r.stderr).trim() };
}

export interface RemoteValidation {
  host: string;
  ok: boolean;
  unreachable: boolean;
  output: string;
}

/** Every host at once (up to `forks`), each with its own envoy. */
export async function validateRemote(inv: Inventory, hosts: HostSpec[], forks: number): Promise<RemoteValidation[]> {
  const conns = new Connections((h) => connect(h));
  try {
    const outcomes = await onFleet(hosts, conns, { forks }, (t, host) => validateOnHost(t, inv, host));
    return outcomes.map((o) =>
      o.ok
        ? { host: o.host.name, ok: o.value.ok, unreachable: false, output: o.value.output }
        : { host: o.host.name, ok: false, unreachable: o.unreachable, output: messageOf(o.error) },
    );
  } finally {
    await conns.closeAll();
  }
}
