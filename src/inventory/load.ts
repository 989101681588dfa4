// Finding and reading an inventory file: `prod` -> hosts/prod.yaml; size and encoding checked
// before any parsing; `extends:` chains read base first (see layers.ts).
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError, type Problem } from '../errors.ts';
import { inventoryFromLayers, parseLayer } from './parse.ts';
import { readInputText } from './input-file.ts';
import type { Layer } from './layers.ts';
import type { Inventory } from './types.ts';

export const MAX_INVENTORY_BYTES = 1024 * 1024;
/** A base of a base of…: deeper than this is a mistake, not a design. */
const MAX_LAYERS = 8;

/** `prod` -> `<cwd>/hosts/prod.yaml`; anything with a `/` or a .yaml/.yml ending is a path. */
export function resolveInventoryPath(ref: string, cwd: string = process.cwd()): string {
  if (ref.includes('/') || /\.ya?ml$/i.test(ref)) return resolve(cwd, ref);
  return join(resolve(cwd), 'hosts', `${ref}.yaml`);
}

/** How messages name a file: relative to the working directory when inside it. */
function displayName(absolute: string, cwd: string): string {
  const rel = relative(cwd, absolute);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
}

export async function loadInventory(ref: string, opts: { cwd?: string } = {}): Promise<Inventory> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const absolute = resolveInventoryPath(ref, cwd);
  const layers = await loadLayers(absolute, cwd, []);
  // relative paths in any layer (envoy.localFile, ssh files) resolve against the extending file
  const inv = inventoryFromLayers(layers, { baseDir: dirname(absolute) });
  return layers.length > 1 ? { ...inv, layers: layers.map((l) => l.file) } : inv;
}

async function readLayer(absolute: string, file: string): Promise<Layer> {
  const fail = (message: string): never => {
    throw new InputError('inventory', [{ file, path: '', message }]);
  };
  const info = await stat(absolute).catch((e: NodeJS.ErrnoException) =>
    e.code === 'ENOENT' || e.code === 'ENOTDIR'
      ? fail(`file not found (looked for ${absolute})`)
      : fail(`cannot read the file: ${e.code ?? e.message}`),
  );
  if (!info.isFile()) fail(`not a regular file (${absolute})`);
  // An inventory is a few KiB; a huge file is a wrong path, not an inventory.
  const text = await readInputText(absolute, info.size, { max: MAX_INVENTORY_BYTES, what: 'an inventory', fail });
  return parseLayer(text, file);
}

/** The file and every base it extends, base first. */
async function loadLayers(absolute: string, cwd: string, below: string[]): Promise<Layer[]> {
  const layer = await readLayer(absolute, displayName(absolute, cwd));
  const base = layer.data.extends;
  if (base === undefined) return [layer];
  const at = (message: string): never => {
    const pos = layer.locator.find(['extends']);
    const problem: Problem = { file: layer.file, path: 'extends', message, ...(pos && pos) };
    throw new InputError('inventory', [problem]);
  };
  if (typeof base !== 'string' || base.trim() === '')
    at('expected the path of the base inventory, relative to this file (e.g. base.yaml)');
  const baseAbsolute = resolve(dirname(absolute), base as string);
  if (baseAbsolute === absolute || below.includes(baseAbsolute))
    at(`"${String(base)}" extends itself through ${[...below, absolute].map((f) => displayName(f, cwd)).join(' → ')}`);
  if (below.length + 2 > MAX_LAYERS) at(`more than ${MAX_LAYERS} inventories in one extends chain`);
  const exists = await stat(baseAbsolute).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) at(`expected an inventory file to extend, found none at ${baseAbsolute}`);
  return [...(await loadLayers(baseAbsolute, cwd, [...below, absolute])), layer];
}
