// parseInventory: YAML text -> validated, resolved Inventory, or one InputError listing every
// problem (syntax, schema, cross-key rules), each with its key path and line:column.
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { issuesToProblems } from './issues.ts';
import { formatPath } from './locate.ts';
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
  const { data, locator } = parseInputMapping(text, file, {
    kind: 'inventory',
    what: 'an inventory',
    expected: 'a mapping (key: value)',
    empty: 'the file is empty: expected a mapping with at least clusters: and hosts:',
  });
  const parsed = inventorySchema.safeParse(data, { error: () => '' }); // silence zod's texts: issues.ts words them
  const problems = parsed.success
    ? []
    : issuesToProblems(parsed.error.issues, { file, data, locator, schema: inventorySchema });
  for (const rule of checkRules(data)) {
    const pos = locator.find(rule.path);
    problems.push({
      file,
      path: formatPath(rule.path),
      message: rule.message,
      ...(pos && { line: pos.line, column: pos.column }),
    });
  }
  if (problems.length > 0 || !parsed.success) throw new InputError('inventory', inFileOrder(problems));
  return resolveInventory(parsed.data!, {
    file,
    name: basename(file).replace(/\.ya?ml$/, ''),
    baseDir: opts.baseDir ?? dirname(resolve(file)),
    home: opts.home ?? homedir(),
  });
}
