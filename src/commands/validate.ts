// validate: the inventory, then every rendered resource against Envoy's own API protos and the
// cross-file rules; with an envoy binary at hand, `envoy --mode validate` on the rendered tree too.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { renderConfigFiles } from '../render/index.ts';
import { assertRenderValid, findEnvoyOnPath, runEnvoyValidate } from '../validate/index.ts';
import { ARCHES, type Inventory } from '../inventory/types.ts';
import { validateRemote } from '../ops/validate-remote.ts';
import { pinsPath, readPins, type Pins } from '../release/pins.ts';
import { safeJson, safeText } from '../output/safe-text.ts';
import { selectHosts } from '../cli/hosts.ts';
import { FLEET, type FleetOptions } from '../cli/options.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';

export interface ValidateOptions extends FleetOptions {
  envoy?: string;
  remote: boolean;
}

export const validate: CommandSpec<ValidateOptions> = {
  name: 'validate',
  summary: 'check the inventory and the rendered Envoy config strictly (Envoy API protos, cross-file rules)',
  options: [
    ...FLEET,
    {
      flags: '--envoy <path>',
      description: 'also run `<path> --mode validate` on the rendered tree (default: envoy on PATH)',
    },
    {
      flags: '--remote',
      description: "also validate each host's rendered config with the envoy installed on that host (read-only)",
      default: false,
    },
  ],
  interrupt: 'none',
  action: validateAction,
};

async function validateAction(o: ValidateOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  // deploy reads it before contacting a host: a bad lockfile is refused here, offline, as well
  const lock = await readPins(pinsPath(inv.file));
  assertRenderValid(inv, hosts);

  const envoy = o.envoy ?? (await findEnvoyOnPath());
  const binary: { host: string; output: string }[] = [];
  if (envoy) {
    for (const host of hosts) {
      const dir = await mkdtemp(join(tmpdir(), 'ekp-validate-'));
      try {
        for (const f of renderConfigFiles(inv, host, { configDir: dir })) await writeFile(join(dir, f.name), f.content);
        const r = await runEnvoyValidate(envoy, join(dir, 'envoy.yaml'));
        if (!r.ok)
          throw new InputError('validation', [
            {
              file: `${host.name}/envoy.yaml`,
              path: '',
              message: `${envoy} --mode validate failed:\n${r.output.trim()}`,
            },
          ]);
        binary.push({ host: host.name, output: r.output.trim() });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
  const remote = o.remote ? await validateRemote(inv, hosts, o.forks) : [];
  const remoteOk = remote.every((r) => r.ok);
  const summary = {
    inventory: inv.file,
    ...(inv.layers && { layers: inv.layers }),
    ok: remoteOk,
    remote,
    hosts: hosts.map((h) => h.name),
    clusters: inv.clusters.map(
      (c) => `${c.listenPort} → ${c.name} (${c.endpoints.length} endpoint${c.endpoints.length === 1 ? '' : 's'})`,
    ),
    envoyBinary: envoy ?? null,
    sha256: shaSources(inv, lock),
  };
  if (o.json) {
    console.log(safeJson(summary, 2));
  } else {
    console.log(`${inv.file}: OK`);
    if (inv.layers) console.log(`  merged from ${inv.layers.join(' + ')} (later files win)`);
    console.log(`  ${hosts.length} host(s): ${summary.hosts.join(', ')}`);
    for (const c of summary.clusters) console.log(`  ${c}`);
    console.log(
      `  Envoy ${inv.envoy.version} sha256: ${Object.entries(summary.sha256)
        .map(([arch, from]) => `${arch} ${from}`)
        .join(', ')}`,
    );
    console.log(
      `  rendered config checked against Envoy's API protos (fields, types, enums, oneofs, validation rules) and cross-file references`,
    );
    console.log(
      envoy
        ? `  ${envoy} --mode validate: OK on every host's tree`
        : `  no envoy binary found (use --envoy PATH to also run envoy --mode validate)`,
    );
    for (const r of remote) {
      // on success Envoy's last line says it all; on failure show everything it said
      const said = r.ok ? r.output.split('\n').slice(-1) : r.output.split('\n');
      console.log(
        `  ${r.host}: ${r.ok ? 'OK' : 'FAILED'} with the host's envoy --mode validate\n    ${said.map(safeText).join('\n    ')}`,
      );
    }
  }
  if (remote.some((r) => r.unreachable)) return EXIT.unreachable;
  return remoteOk ? EXIT.ok : EXIT.failed;
}

/** Where an install would take each arch's sha256 from (both sources were checked when read). */
function shaSources(inv: Inventory, lock: Pins): Record<string, string> {
  const from = (arch: (typeof ARCHES)[number]) =>
    inv.envoy.sha256[arch]
      ? 'from the inventory'
      : lock[inv.envoy.version]?.[arch]
        ? 'from the lockfile'
        : 'unknown (run download)';
  return Object.fromEntries(ARCHES.map((arch) => [arch, from(arch)]));
}
