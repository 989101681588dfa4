// Maps a key path such as ['clusters', 1, 'endpoints', 0] to a line:column in the YAML source,
// so that every problem points at the text the user has to change.
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

export type KeyPath = readonly PropertyKey[];

/**
 * `clusters[1].endpoints[0]`; keys that are not identifiers are quoted: `a["b c"]`, and a key
 * longer than 60 characters is cut (`["xxx..."]`) so that one message stays one readable line.
 */
export function formatPath(path: KeyPath): string {
  let out = '';
  for (const seg of path) {
    const key = String(seg);
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]{0,59}$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${key.length > 60 ? `${JSON.stringify(key.slice(0, 57)).slice(0, -1)}..."` : JSON.stringify(key)}]`;
  }
  return out;
}

export interface Position {
  line: number;
  column: number;
}

/** Where a key path is written; a layered inventory also says in which file. */
export interface PathLocator {
  find(path: KeyPath, opts?: { key?: boolean }): Position | undefined;
  fileOf?(path: KeyPath): string;
}

export class Locator implements PathLocator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  /**
   * Position of the value at `path`; with `key: true`, of the key itself (for unknown keys).
   * A path that does not exist (a missing key) falls back to its nearest existing parent.
   */
  find(path: KeyPath, opts: { key?: boolean } = {}): Position | undefined {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    for (const [i, seg] of path.entries()) {
      const found = child(node, seg);
      if (!found) return this.at(i === 0 ? undefined : node);
      keyNode = found.key;
      node = found.value ?? found.key;
    }
    return this.at(opts.key && keyNode ? keyNode : node);
  }

  private at(node: unknown): Position | undefined {
    const range = (node as Node | undefined)?.range;
    if (!range) return undefined;
    const { line, col } = this.lines.linePos(range[0]);
    return { line, column: col };
  }
}

function child(node: unknown, seg: PropertyKey): { key?: unknown; value: unknown } | undefined {
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item === undefined ? undefined : { value: item };
  }
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const k = isScalar(pair.key) ? pair.key.value : pair.key;
      if (String(k) === String(seg)) return { key: pair.key, value: pair.value };
    }
  }
  return undefined;
}
