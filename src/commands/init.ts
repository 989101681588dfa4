// init: writes a commented starter inventory that validates as written; never overwrites a file.
import { link, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InputError, type Problem } from '../errors.ts';
import { parseInventory, resolveInventoryPath } from '../inventory/index.ts';
import { starterInventory, type StarterCluster, type StarterHost } from '../inventory/starter.ts';
import { packageRoot } from '../paths.ts';
import { clusterArg, hostArg, HOSTS } from '../cli/options.ts';
import { EXIT, type CommandSpec } from '../cli/spec.ts';

interface InitOptions {
  hosts: string;
  cluster: StarterCluster[];
  host: StarterHost[];
  json: boolean;
}

export const init: CommandSpec<InitOptions> = {
  name: 'init',
  summary: 'write a commented starter inventory (clusters and hosts from the options, or placeholders) that validates',
  options: [
    { ...HOSTS, description: 'the inventory to create: a name (hosts/<name>.yaml) or a path' },
    {
      flags: '--cluster <name=IP:port,...>',
      description: 'a cluster and its API servers (repeat for more; listen ports 6443, 6444, ... in order)',
      parse: clusterArg,
    },
    { flags: '--host <name=address>', description: 'a load-balancer host (repeat for more)', parse: hostArg },
    { flags: '--json', description: 'print one JSON document instead of text', default: false },
  ],
  interrupt: 'none',
  async action(o) {
    const target = resolveInventoryPath(o.hosts);
    const rel = relative(process.cwd(), target);
    const file = rel && !rel.startsWith('..') ? rel : target;
    const text = starterInventory({
      clusters: o.cluster ?? [],
      hosts: o.host ?? [],
      schema: relative(dirname(target), join(packageRoot(), 'schema', 'inventory.schema.json')),
    });
    // what the options said is checked as the inventory it becomes, before anything is written
    try {
      parseInventory(text, file, { baseDir: dirname(target) });
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError(
        'usage',
        e.problems.map((p) => fromOptions(p, file)),
      );
    }
    await writeNew(target, text, file);
    const placeholders = !o.cluster?.length || !o.host?.length;
    if (o.json) console.log(JSON.stringify({ inventory: file, written: true, placeholders }));
    else
      console.log(
        `${file}: written${placeholders ? ' (placeholders at 192.0.2.x: replace them)' : ''}\n` +
          `  next: envoy-k8s-proxy validate --hosts ${file}`,
      );
    return EXIT.ok;
  },
};

/** The problem as the user has to fix it: on the command line, not in a file not written. */
function fromOptions(p: Problem, file: string): Problem {
  return { file: '<command line>', path: p.path, message: `${p.message} (${file} was not written)` };
}

/** Temp file, then a hard link to the final name: atomic, and refused (EEXIST) if it exists. */
async function writeNew(target: string, text: string, file: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${process.pid}.init.tmp`);
  await writeFile(tmp, text, { mode: 0o644, flag: 'wx' });
  try {
    await link(tmp, target);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST')
      throw new InputError('usage', [{ file, path: '', message: 'already exists: init never overwrites a file' }]);
    throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}
