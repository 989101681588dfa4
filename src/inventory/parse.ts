// parseInventory: YAML text -> validated, resolved Inventory, or one InputError listing every
// problem (syntax, schema, cross-key rules), each with its key path and line:column.
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { issuesToProblems } from './issues.ts';
import { formatPath, type PathLocator } from './locate.ts';
import { mergeLayers, type Layer } from './layers.ts';
import { resolveInventory } from './resolve.ts';
import { checkRules } from './rules.ts';
import { inFileOrder, parseInputMapping } from './input-file.ts';
import { inventorySchema } from './schema.ts';
import type { Inventory } from './types.ts';

export interface ParseOptions {
  /** Directory that relative paths (envoy.localFile, ssh files) are resolved against; default: the file's. */
  baseDir?: string;
  /** Home directory for `~`; default os.homedir(). */
  home?: string;
}

/** Pure apart from reading os.homedir() when `home` is not given. */
export function parseInventory(text: string, file: string, opts: ParseOptions = {}): Inventory {
  return inventoryFromLayers([parseLayer(text, file)], opts);
}

/** One file's YAML as a mapping, before any checking of its keys. */
export function parseLayer(text: string, file: string): Layer {
  const { data, locator } = parseInputMapping(text, file, {
    kind: 'inventory',
    what: 'an inventory',
    expected: 'a mapping (key: value)',
    empty: 'the file is empty: expected a mapping with at least clusters: and hosts:',
  });
  return { file, data: data!, locator };
}

/**
 * The layers (a base first, the file that extends it last) merged, validated and resolved; every
 * problem names the file its key is written in. Named and resolved as the last layer.
 */
export function inventoryFromLayers(layers: readonly Layer[], opts: ParseOptions = {}): Inventory {
  const file = layers.at(-1)!.file;
  const { data, locator }: { data: Record<string, unknown>; locator: PathLocator } =
    layers.length === 1 ? layers[0]! : mergeLayers(layers);
  const parsed = inventorySchema.safeParse(data, { error: () => '' }); // silence zod's texts: issues.ts words them
  const problems = parsed.success
    ? []
    : issuesToProblems(parsed.error.issues, { file, data, locator, schema: inventorySchema });
  for (const rule of checkRules(data)) {
    const pos = locator.find(rule.path);
    problems.push({
      file: locator.fileOf?.(rule.path) ?? file,
      path: formatPath(rule.path),
      message: rule.message,
      ...(pos && { line: pos.line, column: pos.column }),
    });
  }
  if (problems.length > 0 || !parsed.success) throw new InputError('inventory', inFileOrder(problems));
  return resolveInventory(parsed.data, {
    file,
    name: basename(file).replace(/\.ya?ml$/, ''),
    baseDir: opts.baseDir ?? dirname(resolve(file)),
    home: opts.home ?? homedir(),
  });
}
