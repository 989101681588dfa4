// Builds the lab's Envoy stand-in (python package test/lab/envoy-standin/src) into one executable
// file with its build.py (a zipapp): per release version, Envoy's proto schema embedded. The build
// is deterministic, so a version's bytes, and the sha256 the lab pins, depend on the sources only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { standinSchemaZ } from './standin-schema.ts';

const BUILD_PY = join(dirname(fileURLToPath(import.meta.url)), 'envoy-standin', 'build.py');
// Debian's interpreter has PyYAML (python3-yaml), like the lab hosts; fall back to PATH.
export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** What a fault test changes in a release: python run first (a slow host), or extra bytes. */
export interface StandinVariant {
  prelude?: string;
  padBytes?: number;
}

let schema: string | undefined;

/** Builds the stand-in answering as Envoy `version` into `out` (mode 0755). */
export function buildStandin(out: string, version: string, variant: StandinVariant = {}): string {
  schema ??= standinSchemaZ();
  const args = [BUILD_PY, out, '--version', version, '--schema-file', '-'];
  if (variant.prelude) args.push('--prelude', variant.prelude);
  if (variant.padBytes) args.push('--pad-bytes', String(variant.padBytes));
  const r = spawnSync(PYTHON, args, { input: schema, encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`building the Envoy stand-in ${version} failed: ${r.error?.message ?? r.stderr.trim()}`);
  return out;
}

const built = new Map<string, Buffer>();

/** The built stand-in's bytes; each plain version is built once per process, variants each time. */
export function standinBytes(version: string, variant: StandinVariant = {}): Buffer {
  const plain = !variant.prelude && !variant.padBytes;
  const cached = plain ? built.get(version) : undefined;
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'ekp-standin-build-'));
  try {
    const bytes = readFileSync(buildStandin(join(dir, 'envoy'), version, variant));
    if (plain) built.set(version, bytes);
    return bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
