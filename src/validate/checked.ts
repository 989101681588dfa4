// Renders the strict check passed before, remembered: a host's rendered files that this very code
// (the bundle, or every source file when run from the sources) and these protos accepted are not
// parsed and walked against the protos again. What changes hosts runs the check every time, so
// repeated runs of an unchanged inventory (a no-op deploy, plan) would otherwise load ~600 protos
// and re-check every host for the same answer. Only passes are remembered; a file per pass, empty,
// under `<dir>/checked` (the caller's cache directory); a cache that cannot be read or written only
// means the check runs.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RenderedFile } from '../render/types.ts';

/** This module's own file: the bundle, or src/validate/checked.ts when run from the sources. */
const self = fileURLToPath(import.meta.url);
/** This process's identity, once computed (another `here` is only ever a test's). */
let identity: string | undefined;

/** Size and mtime of every file the check's code comes from, and the protos' package version. */
export function codeIdentity(here = self): string {
  if (here === self && identity !== undefined) return identity;
  const h = createHash('sha256').update('checked v1\0');
  const mark = (file: string) => {
    const s = statSync(file);
    h.update(`${file}\0${s.size}\0${s.mtimeMs}\0`);
  };
  if (here.endsWith('.mjs') || here.endsWith('.js')) mark(here);
  else walk(path.dirname(path.dirname(here)), mark); // src/validate/checked.ts → every file under src/
  const require = createRequire(import.meta.url);
  for (const pkg of ['@grpc/grpc-js-xds/package.json', 'protobufjs/package.json'])
    h.update(`${pkg}\0${(JSON.parse(readFileSync(require.resolve(pkg), 'utf8')) as { version: string }).version}\0`);
  const id = h.digest('hex');
  if (here === self) identity = id;
  return id;
}

function walk(dir: string, mark: (file: string) => void): void {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, mark);
    else if (e.isFile()) mark(p);
  }
}

/** The remembered verdict's name for one host's rendered files under this code. */
export function checkedKey(files: readonly RenderedFile[], id = codeIdentity()): string {
  const h = createHash('sha256').update(`${id}\0`);
  for (const f of files) h.update(`${f.name}\0${f.content.length}\0${f.content}\0`);
  return h.digest('hex');
}

const file = (key: string, dir: string) => path.join(dir, 'checked', key);

export function wasChecked(key: string, dir: string): boolean {
  return existsSync(file(key, dir));
}

export function rememberChecked(key: string, dir: string): void {
  try {
    mkdirSync(path.join(dir, 'checked'), { recursive: true, mode: 0o700 });
    writeFileSync(file(key, dir), '');
  } catch {
    // not remembered: the next run checks again
  }
}
