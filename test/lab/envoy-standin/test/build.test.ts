// The stand-in's build (build.py via test/lab/standin-build.ts): one executable file per version,
// the same bytes for the same sources (the lab pins its sha256), and the variants fault tests use.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildStandin, standinBytes } from '../../standin-build.ts';
import { SCRIPT, runSync } from './support.ts';

const dir = mkdtempSync(join(tmpdir(), 'standin-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('envoy stand-in build', () => {
  it('is one executable file with a python3 shebang, run directly', () => {
    expect(readFileSync(SCRIPT).subarray(0, 23).toString()).toBe('#!/usr/bin/env python3\n');
    expect(statSync(SCRIPT).mode & 0o111).not.toBe(0);
    const r = spawnSync(SCRIPT, ['--version'], { encoding: 'utf8' });
    expect(r.stdout).toContain('/1.35.0/Clean/RELEASE/BoringSSL');
  });

  it('gives the same bytes for the same sources and version', () => {
    const again = buildStandin(join(dir, 'again'), '1.35.0');
    expect(readFileSync(again).equals(readFileSync(SCRIPT))).toBe(true);
    expect(standinBytes('1.35.0').equals(readFileSync(SCRIPT))).toBe(true);
  });

  it('makes another version from the generated VERSION alone', () => {
    const other = buildStandin(join(dir, 'envoy-1.34.2'), '1.34.2');
    expect(runSync(['--version'], other).stdout).toContain('/1.34.2/Clean/RELEASE/BoringSSL');
    expect(readFileSync(other).equals(readFileSync(SCRIPT))).toBe(false);
  });

  it('refuses a version that is not MAJOR.MINOR.PATCH', () => {
    expect(() => buildStandin(join(dir, 'bad'), '1.35')).toThrow(/expected MAJOR\.MINOR\.PATCH/);
  });

  it('runs a prelude first and carries padding without changing what it answers', () => {
    const plain = readFileSync(SCRIPT).length;
    const padded = buildStandin(join(dir, 'padded'), '1.35.0', { prelude: 'print("prelude ran")', padBytes: 1 << 20 });
    expect(statSync(padded).size).toBeGreaterThan(plain + (1 << 20));
    const r = runSync(['--version'], padded);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^prelude ran\n\nenvoy {2}version: .*\/1\.35\.0\//);
  });
});
