// files/envoy-releases.lock.yaml: the sha256 of each Envoy release binary we trust, like a package
// lockfile. Filled by `download`; read by every install. Never invented: a missing entry is an error.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { Arch, Inventory } from '../inventory/types.ts';
import { ToolError } from '../errors.ts';
import { packageRoot } from '../paths.ts';

export const LOCKFILE = join(packageRoot(), 'files/envoy-releases.lock.yaml');

export type Lock = Record<string, Partial<Record<Arch, string>>>;

/** The lockfile in use: EKP_LOCKFILE (tests, other checkouts) or the repository's. */
export function lockfilePath(): string {
  return process.env.EKP_LOCKFILE || LOCKFILE;
}

export async function readLock(file = lockfilePath()): Promise<Lock> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return {};
  }
  const doc = (parse(text) ?? {}) as { releases?: Lock };
  return doc.releases ?? {};
}

export async function writeLock(lock: Lock, file = lockfilePath()): Promise<void> {
  const sorted = Object.fromEntries(Object.keys(lock).sort().map((v) => [v, lock[v]]));
  const header =
    '# sha256 of Envoy release binaries, per version and architecture, written by\n' +
    '# `envoy-k8s-proxy download` from the release\'s checksums.txt.asc (or, with --trust-first-download,\n' +
    '# from a first download whose hash was printed for review). Installs refuse any binary not listed\n' +
    '# here or in the inventory\'s envoy.sha256. Review changes to this file like a lockfile.\n';
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, header + stringify({ releases: sorted }));
  await rename(tmp, file);
}

/** The sha256 an install must match: the inventory's own value wins over the lockfile's. */
export function expectedSha(inv: Inventory, lock: Lock, arch: Arch): string {
  const sha = inv.envoy.sha256[arch] ?? lock[inv.envoy.version]?.[arch];
  if (!sha) {
    throw new ToolError(
      'module',
      `no sha256 known for Envoy ${inv.envoy.version} ${arch}: run \`envoy-k8s-proxy download --hosts ${inv.name}\` to fill files/envoy-releases.lock.yaml from the release's checksums, or set envoy.sha256.${arch} in ${inv.file}`,
    );
  }
  return sha;
}
