// Release pins: files/envoy-releases.lock.yaml holds the sha256 of each Envoy release binary we
// trust, like a package lockfile. In code they are "pins", so that "lock" only ever means the run
// lock (src/runner/host-lock.ts). Filled by `download`; read by every install; never invented.
import { readInputText } from '../inventory/input-file.ts';
import { rename, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import type { Arch, Inventory } from '../inventory/types.ts';
import { SHA256 } from '../inventory/formats.ts';
import { InputError, ToolError } from '../errors.ts';
import { packageRoot } from '../paths.ts';
import { MAX_LOCKFILE_BYTES, parsePins, type Pins } from './pins-parse.ts';

export type { Pins } from './pins-parse.ts';

/** Its name beside the inventory, when the tool runs from an installed package. */
export const PINS_NAME = 'envoy-releases.lock.yaml';

/**
 * The lockfile in use: EKP_LOCKFILE (relative to the cwd); else, in a checkout, the repository's;
 * else (an installed package, whose directory is replaced on upgrade and may be read-only) the
 * envoy-releases.lock.yaml beside the inventory, to be committed with it.
 */
export function pinsPath(inventoryFile?: string, root = packageRoot()): string {
  if (process.env.EKP_LOCKFILE) return resolve(process.cwd(), process.env.EKP_LOCKFILE);
  if (!root.split(sep).includes('node_modules')) return join(root, 'files', PINS_NAME);
  return join(inventoryFile ? dirname(resolve(inventoryFile)) : process.cwd(), PINS_NAME);
}

/** How messages name the lockfile: relative to the working directory when inside it. */
export function lockfileName(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** The checked releases of the lockfile (none when it does not exist); InputError for a bad one. */
export async function readPins(file: string): Promise<Pins> {
  const name = lockfileName(file);
  const fail = (message: string): never => {
    throw new InputError('lockfile', [{ file: name, path: '', message }]);
  };
  const info = await stat(file).catch((e: NodeJS.ErrnoException) =>
    e.code === 'ENOENT' ? undefined : fail(`cannot read the file: ${e.code ?? e.message}`),
  );
  if (!info) return {};
  if (!info.isFile()) fail('not a regular file');
  const text = await readInputText(file, info.size, { max: MAX_LOCKFILE_BYTES, what: 'a lockfile', fail });
  return parsePins(text, name);
}

export async function writePins(lock: Pins, file = pinsPath()): Promise<void> {
  const sorted = Object.fromEntries(
    Object.keys(lock)
      .sort()
      .map((v) => [v, lock[v]]),
  );
  const header =
    '# sha256 of Envoy release binaries, per version and architecture, written by\n' +
    "# `envoy-k8s-proxy download` from the release's checksums.txt.asc verified with --signing-key (or,\n" +
    '# with --trust-first-download, unsigned checksums or a first download, printed for review). Installs\n' +
    "# refuse any binary not listed here or in the inventory's envoy.sha256, and every command refuses\n" +
    '# this file if any entry is not <version>: {x86_64|aarch_64: <64 lowercase hex>}. Review changes\n' +
    '# to this file like a lockfile.\n';
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, header + stringify({ releases: sorted }));
  await rename(tmp, file);
}

/** The sha256 an install must match: the inventory's own value wins over the lockfile's. */
export function expectedSha(inv: Inventory, lock: Pins, arch: Arch): string {
  const sha = inv.envoy.sha256[arch] ?? lock[inv.envoy.version]?.[arch];
  if (!sha) {
    throw new ToolError(
      'module',
      `no sha256 known for Envoy ${inv.envoy.version} ${arch}: run \`envoy-k8s-proxy download --hosts ${inv.name}\` to fill files/envoy-releases.lock.yaml from the release's checksums, or set envoy.sha256.${arch} in ${inv.file}`,
    );
  }
  // both sources were checked when read; this guards the one value a root shell compares against
  if (!SHA256.test(sha))
    throw new ToolError(
      'module',
      `refusing the sha256 ${JSON.stringify(sha)} for Envoy ${inv.envoy.version} ${arch}: not 64 lowercase hex digits`,
    );
  return sha;
}
