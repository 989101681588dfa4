// parseInventory: YAML text -> validated, resolved Inventory, or one InputError listing every
// problem (syntax, schema, cross-key rules), each with its key path and line:column.
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { InputError, type Problem } from '../errors.ts';
import { issuesToProblems, describe } from './issues.ts';
import { Locator, formatPath, type PathLocator } from './locate.ts';
import { mergeLayers, type Layer } from './layers.ts';
import { resolveInventory } from './resolve.ts';
import { checkRules } from './rules.ts';
import { parseInputYaml } from './input-file.ts';
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
  const fail = (problems: Problem[]): never => {
    throw new InputError('inventory', problems);
  };
  const { doc, lines } = parseInputYaml(text, file, 'inventory', 'an inventory');
  let data: unknown;
  try {
    // Aliases expand: the cap keeps a "billion laughs" file from eating the memory.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    fail([{ file, path: '', message: `YAML error: ${firstLine(e instanceof Error ? e.message : String(e))}` }]);
  }
  if (data === null || data === undefined)
    fail([{ file, path: '', message: 'the file is empty: expected a mapping with at least clusters: and hosts:' }]);
  if (typeof data !== 'object' || Array.isArray(data)) {
    fail([
      {
        file,
        path: '',
        message: `expected a mapping (key: value) at the top level, found ${describe(data)}`,
        line: 1,
        column: 1,
      },
    ]);
  }
  return { file, data: data as Record<string, unknown>, locator: new Locator(doc, lines) };
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
  if (problems.length > 0 || !parsed.success) throw new InputError('inventory', sortProblems(problems));
  return resolveInventory(parsed.data, {
    file,
    name: basename(file).replace(/\.ya?ml$/, ''),
    baseDir: opts.baseDir ?? dirname(resolve(file)),
    home: opts.home ?? homedir(),
  });
}

/** By file (in the order first seen), then in file order; problems without a position go last. */
function sortProblems(problems: Problem[]): Problem[] {
  const files = [...new Set(problems.map((p) => p.file))];
  const key = (p: Problem) => files.indexOf(p.file) * 1e15 + (p.line ?? 1e8) * 1e6 + (p.column ?? 0);
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => key(a.p) - key(b.p) || a.i - b.i)
    .map(({ p }) => p);
}

function firstLine(message: string): string {
  return message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}
