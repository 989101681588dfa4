// Publishes the Envoy stand-in to the lab's release mirror exactly as a real release is laid out
// (v<version>/envoy-<version>-linux-<arch>), and returns the inventory fields that pin its sha256.
// The tool then downloads, verifies and installs it like any Envoy binary: nothing is baked into
// the hosts' rootfs.
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { standinSchemaLine } from './standin-schema.ts';

export const STANDIN = join(dirname(fileURLToPath(import.meta.url)), 'envoy-standin', 'envoy');

export function labArch(): 'x86_64' | 'aarch_64' {
  return arch() === 'arm64' ? 'aarch_64' : 'x86_64';
}

let schemaLine: string | undefined;

/** The stand-in's bytes for a version: its VERSION line set, Envoy's proto schema embedded. */
export function standinBytes(version: string): Buffer {
  const src = readFileSync(STANDIN, 'utf8');
  const schema = (schemaLine ??= standinSchemaLine());
  const out = src.replace(/^VERSION = ".*"$/m, `VERSION = "${version}"`).replace(/^PROTO_SCHEMA_Z = None$/m, () => schema);
  if (!out.includes(`VERSION = "${version}"`)) throw new Error(`stand-in has no VERSION line to set to ${version}`);
  if (!out.includes(schema)) throw new Error('stand-in has no PROTO_SCHEMA_Z line to embed the proto schema in');
  return Buffer.from(out);
}

/** Writes the built stand-in (schema embedded) to `path`, executable; for tests off the lab. */
export function writeStandin(path: string, version = '1.35.0'): string {
  writeFileSync(path, standinBytes(version));
  chmodSync(path, 0o755);
  return path;
}

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Writes mirrorDir/v<ver>/envoy-<ver>-linux-<arch> (atomically); returns its path and sha256. */
export function publishRelease(mirrorDir: string, version: string, bytes = standinBytes(version)): { path: string; sha256: string } {
  const path = join(mirrorDir, `v${version}`, `envoy-${version}-linux-${labArch()}`);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, bytes);
  chmodSync(`${path}.tmp`, 0o755);
  renameSync(`${path}.tmp`, path);
  return { path, sha256: sha256(bytes) };
}

/** Inventory fields for hosts/lab.yaml: the stand-in release's checksum. */
export function publishStandin(mirrorDir: string, version: string): Record<string, unknown> {
  const { sha256: sum } = publishRelease(mirrorDir, version);
  return { envoy: { sha256: { [labArch()]: sum } } };
}
