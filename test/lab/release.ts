// Publishes the Envoy stand-in to the lab's release mirror exactly as a real release is laid out
// (v<version>/envoy-<version>-linux-<arch>), and returns the inventory fields that pin its sha256.
// The tool then downloads, verifies and installs it like any Envoy binary: nothing is baked into
// the hosts' rootfs. The stand-in is built per version (standin-build.ts) into the mirror.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { buildStandin, standinBytes } from './standin-build.ts';

export { standinBytes, type StandinVariant } from './standin-build.ts';

export function labArch(): 'x86_64' | 'aarch_64' {
  return arch() === 'arm64' ? 'aarch_64' : 'x86_64';
}

/** Writes the built stand-in (schema embedded) to `path`, executable; for tests off the lab. */
export function writeStandin(path: string, version = '1.35.0'): string {
  return buildStandin(path, version);
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Writes mirrorDir/v<ver>/envoy-<ver>-linux-<arch> (atomically); returns its path and sha256. */
export function publishRelease(
  mirrorDir: string,
  version: string,
  bytes = standinBytes(version),
): { path: string; sha256: string } {
  const path = join(mirrorDir, `v${version}`, `envoy-${version}-linux-${labArch()}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  chmodSync(`${path}.tmp`, 0o755);
  renameSync(`${path}.tmp`, path);
  return { path, sha256: sha256(bytes) };
}

/**
 * The stand-in padded to about `mib` MiB (a stored zip entry it never reads), so transfers cost
 * what a real release's would; without `mib`, the plain ~100 KiB stand-in.
 */
export function releaseBytes(version: string, mib?: number): Buffer {
  const plain = standinBytes(version);
  if (!mib) return plain;
  const ZIP_ENTRY_OVERHEAD = 128; // the padding entry's local header and central directory record
  return standinBytes(version, { padBytes: Math.max(1, mib * 2 ** 20 - plain.length - ZIP_ENTRY_OVERHEAD) });
}

/** Inventory fields for hosts/lab.yaml: the published release's own checksum. */
export function publishStandin(mirrorDir: string, version: string, mib?: number): Record<string, unknown> {
  const { sha256: sum } = publishRelease(mirrorDir, version, releaseBytes(version, mib));
  return { envoy: { sha256: { [labArch()]: sum } } };
}
