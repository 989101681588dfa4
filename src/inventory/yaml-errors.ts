// The YAML library's syntax errors in our words, placed where the user has to look (an unclosed
// quote is reported where it opens, not at the end of the file it swallowed).
import { visit, type Document, type YAMLError } from 'yaml';

export interface YamlProblem {
  /** Offset in the source text. */
  offset: number;
  message: string;
}

/**
 * One problem per line: the parser's later errors on a line echo its first. After an unclosed
 * quote nothing more is reported, since the string swallowed the rest of the file.
 */
export function yamlSyntaxProblems(
  doc: Document,
  lineOf: (offset: number) => number,
  what = 'an inventory',
): YamlProblem[] {
  const out: YamlProblem[] = [];
  const lines = new Set<number>();
  for (const e of doc.errors) {
    const p = wordError(e, doc, what);
    const line = lineOf(p.offset);
    if (lines.has(line)) continue;
    lines.add(line);
    out.push(p);
    if (p.unclosedQuote) break;
  }
  return out.map(({ offset, message }) => ({ offset, message })); // without the internal flag
}

function wordError(e: YAMLError, doc: Document, what: string): YamlProblem & { unclosedQuote?: boolean } {
  if (e.code === 'MISSING_CHAR' && /closing ["']quote/.test(e.message)) {
    const q = e.message.includes('"') ? '"' : "'";
    const start = openingQuote(doc, e.pos[0]);
    if (start !== undefined)
      return {
        offset: start,
        message: `YAML syntax error: the string quoted here with ${q} is never closed`,
        unclosedQuote: true,
      };
  }
  if (e.code === 'MULTIPLE_DOCS') {
    return {
      offset: e.pos[0],
      message: `YAML syntax error: a second document starts here (${what} is one document: remove this ---)`,
    };
  }
  if (e.code === 'NON_STRING_KEY')
    return { offset: e.pos[0], message: 'YAML syntax error: a key must be plain text, not a list or mapping' };
  return { offset: e.pos[0], message: `YAML syntax error: ${firstLine(e)}` };
}

/** Start of the quoted scalar that runs up to `end` (where the library noticed the missing quote). */
function openingQuote(doc: Document, end: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_, node) {
      if (
        (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') &&
        node.range &&
        node.range[0] < end &&
        node.range[1] >= end
      )
        found = node.range[0];
    },
  });
  return found;
}

function firstLine(e: YAMLError): string {
  return e.message
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}
