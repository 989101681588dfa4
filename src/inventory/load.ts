// Finding and reading an inventory file: `prod` -> hosts/prod.yaml; size and encoding checked
// before any parsing.
import { stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { parseInventory } from './parse.ts';
import { readInputText } from './input-file.ts';
import type { Inventory } from './types.ts';

export const MAX_INVENTORY_BYTES = 1024 * 1024;

/** `prod` -> `<cwd>/hosts/prod.yaml`; anything with a `/` or a .yaml/.yml ending is a path. */
export function resolveInventoryPath(ref: string, cwd: string = process.cwd()): string {
  if (ref.includes('/') || /\.ya?ml$/i.test(ref)) return resolve(cwd, ref);
  return join(resolve(cwd), 'hosts', `${ref}.yaml`);
}

export async function loadInventory(ref: string, opts: { cwd?: string } = {}): Promise<Inventory> {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const absolute = resolveInventoryPath(ref, cwd);
  const rel = relative(cwd, absolute);
  const file = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absolute;
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
  return parseInventory(text, file, { baseDir: dirname(absolute) });
}
