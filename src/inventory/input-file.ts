// What the inventory and the release lockfile share as input files: a bounded UTF-8 read, and one
// YAML document parsed strictly (unique keys, keys as strings) with syntax errors at line:column.
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { InputError } from '../errors.ts';
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
