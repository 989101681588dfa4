// What the inventory and the release lockfile share as input files: a bounded UTF-8 read, one YAML
// document parsed strictly (unique keys, keys as strings) into a top-level mapping, and problems
// reported at line:column in file order.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { InputError, type Problem } from '../errors.ts';
import { describe } from './issues.ts';
import { Locator } from './locate.ts';
import { yamlSyntaxProblems } from './yaml-errors.ts';

/** The file's text; `fail` (which throws) when it is too large, unreadable or not UTF-8. */
export async function readInputText(
  path: string,
  size: number,
  o: { max: number; what: string; fail: (message: string) => never },
): Promise<string> {
  if (size > o.max) o.fail(`file is too large (${size} bytes; ${o.what} may have at most 1 MiB)`);
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) =>
    o.fail(`cannot read the file: ${e.code ?? e.message}`),
  );
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return o.fail('not UTF-8 text');
  }
}

/** One YAML document with its line counter, or an InputError listing every syntax error. */
export function parseInputYaml(
  text: string,
  file: string,
  kind: 'inventory' | 'lockfile',
  what: string,
): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  // stringKeys: `1:` or `true:` is the key "1" or "true", a list or mapping as a key is an error.
  // logLevel error: the library's warnings would go to stderr on their own, around our messages.
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    stringKeys: true,
    logLevel: 'error',
  });
  if (doc.errors.length > 0) {
    throw new InputError(
      kind,
      yamlSyntaxProblems(doc, (offset) => lines.linePos(offset).line, what).map(({ offset, message }) => {
        const { line, col } = lines.linePos(offset);
        return { file, path: '', message, line, column: col };
      }),
    );
  }
  return { doc, lines };
}

/**
 * The document's top-level mapping, with a locator for its keys. An empty document is
 * `undefined` when `empty` is not given (the caller decides), else an error saying `empty`.
 */
export function parseInputMapping(
  text: string,
  file: string,
  o: { kind: 'inventory' | 'lockfile'; what: string; expected: string; empty?: string },
): { data: Record<string, unknown> | undefined; locator: Locator } {
  const fail = (message: string, at?: { line: number; column: number }): never => {
    throw new InputError(o.kind, [{ file, path: '', message, ...at }]);
  };
  const { doc, lines } = parseInputYaml(text, file, o.kind, o.what);
  let data: unknown;
  try {
    // Aliases expand: the cap keeps a "billion laughs" file from eating the memory.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    fail(`YAML error: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  const locator = new Locator(doc, lines);
  if (data === null || data === undefined) {
    if (o.empty !== undefined) fail(o.empty);
    return { data: undefined, locator };
  }
  if (typeof data !== 'object' || Array.isArray(data))
    fail(`expected ${o.expected} at the top level, found ${describe(data)}`, { line: 1, column: 1 });
  return { data: data as Record<string, unknown>, locator };
}

/**
 * By file (in the order first seen: a layered inventory's base first), then top to bottom;
 * problems without a position go last in their file.
 */
export function inFileOrder(problems: Problem[]): Problem[] {
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
