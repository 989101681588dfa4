// render: write each host's rendered files to a local directory for inspection (atomically).
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderConfigFiles, renderUnit, sandboxFor } from '../render/index.ts';
import { mergedYaml } from '../inventory/index.ts';
import { selectHosts } from '../cli/hosts.ts';
import { FLEET, type FleetOptions } from '../cli/options.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';

export const render: CommandSpec<FleetOptions & { out: string }> = {
  name: 'render',
  summary: "write every host's rendered files (envoy.yaml, lds.yaml, cds.yaml, eds_*.yaml, unit) to a directory",
  options: [
    ...FLEET,
    { flags: '-o, --out <dir>', description: 'output directory (one sub-directory per host)', required: true },
  ],
  interrupt: 'none',
  async action(o) {
    const { inv, hosts } = await selectHosts(o);
    const written: { host: string; files: string[] }[] = [];
    for (const host of hosts) {
      const dir = join(o.out, host.name);
      await mkdir(dir, { recursive: true });
      // offline: hardening auto renders what a real host gets (full); a container host gets the reduced set
      const files = [...renderConfigFiles(inv, host), renderUnit(inv, host, sandboxFor(host.hardening, undefined))];
      for (const f of files) {
        const tmp = join(dir, `.${f.name}.tmp-${process.pid}`);
        await writeFile(tmp, f.content, { mode: f.mode });
        await rename(tmp, join(dir, f.name));
      }
      written.push({ host: host.name, files: files.map((f) => join(dir, f.name)) });
    }
    // a layered inventory: what its files add up to, beside the hosts' files
    const merged = inv.layers ? join(o.out, `${inv.name}.merged.yaml`) : undefined;
    if (merged) {
      const tmp = `${merged}.tmp-${process.pid}`;
      await writeFile(tmp, mergedYaml(inv));
      await rename(tmp, merged);
    }
    if (o.json)
      console.log(JSON.stringify({ inventory: inv.file, layers: inv.layers, merged, hosts: written }, null, 2));
    else {
      if (merged) console.log(`${inv.layers!.join(' + ')}: merged into ${merged}`);
      for (const w of written) console.log(`${w.host}: wrote ${w.files.length} files\n  ${w.files.join('\n  ')}`);
    }
    return EXIT.ok;
  },
};
