// What is at a path: absent, a file (hash, mode, owner, optionally its text), a directory, a link.
import { quote } from '../ssh/index.ts';
import { plainPath } from './batch.ts';
import type { FactSpec } from './types.ts';

export type PathFact =
  | { type: 'absent' }
  | { type: 'file'; sha256: string; mode: number; owner: string; group: string; size: number; content?: string }
  | { type: 'directory'; mode: number; owner: string; group: string }
  | { type: 'link'; target: string }
  | { type: 'other'; kind: string };

/** Files larger than this are never pulled back for a diff. */
export const DIFF_MAX_BYTES = 256 * 1024;

export function pathFact(path: string, opts: { content?: boolean } = {}): FactSpec<PathFact> {
  const p = quote(path);
  const content = opts.content
    ? `; if [ "$(stat -c %s ${p})" -le ${DIFF_MAX_BYTES} ]; then printf 'content:'; base64 -w0 ${p}; echo; fi`
    : '';
  return {
    key: `path:${path}${opts.content ? ':content' : ''}`,
    script:
      `if [ -L ${p} ]; then echo link; readlink ${p}; ` +
      `elif [ -f ${p} ]; then echo file; stat -c '%a %U %G %s' ${p}; sha256sum < ${p}${content}; ` +
      `elif [ -d ${p} ]; then echo directory; stat -c '%a %U %G' ${p}; ` +
      `elif [ -e ${p} ]; then echo other; stat -c %F ${p}; else echo absent; fi`,
    parse: parsePathFact,
    inline: true,
    // a diff needs the text; any other plain path is one of many names in one stat and one sha256sum
    ...(opts.content || !plainPath(path) ? {} : { batch: { kind: 'path' as const, arg: path } }),
  };
}

export function parsePathFact(out: string): PathFact {
  const lines = out.replace(/^\n+/, '').split('\n');
  const kind = lines[0]?.trim();
  if (kind === 'link') return { type: 'link', target: lines[1] ?? '' };
  if (kind === 'directory' || kind === 'file') {
    const [mode, owner, group, size] = (lines[1] ?? '').trim().split(' ');
    const common = { mode: parseInt(mode ?? '0', 8), owner: owner ?? '', group: group ?? '' };
    if (kind === 'directory') return { type: 'directory', ...common };
    const b64 = lines[3]?.startsWith('content:') ? lines[3].slice('content:'.length).trim() : undefined;
    return {
      type: 'file',
      ...common,
      size: Number(size ?? 0),
      // `sha256sum < file` prints `<hex>  -`: no pipe through cut, no escaped file name
      sha256: (lines[2] ?? '').trim().split(' ')[0] ?? '',
      ...(b64 !== undefined ? { content: Buffer.from(b64, 'base64').toString('utf8') } : {}),
    };
  }
  if (kind === 'other') return { type: 'other', kind: lines[1] ?? '' };
  return { type: 'absent' };
}

/** Names in a directory that start with prefix and end with suffix (e.g. eds_ … .yaml), for pruning. */
export function globFact(dir: string, prefix: string, suffix = ''): FactSpec<string[]> {
  return {
    key: `glob:${dir}/${prefix}*${suffix}`,
    // no cd: the script runs in the gathering shell (inline), whose directory others may rely on
    script: `for f in ${quote(dir)}/${quote(prefix)}*${suffix ? quote(suffix) : ''}; do [ -e "$f" ] && printf '%s\\n' "\${f##*/}"; done; true`,
    inline: true,
    parse: (out) =>
      out
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean)
        .sort(),
  };
}
