// readPins at the file level: what is no lockfile (missing, empty), what is a bad one (a directory,
// not UTF-8, too big), and a writePins → readPins round trip. Entry-level refusals are the
// bad-lockfile corpus (test/corpus/bad-lockfiles).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import { MAX_LOCKFILE_BYTES } from '../../../src/release/pins-parse.ts';
import { expectedSha, readPins, writePins } from '../../../src/release/pins.ts';
import type { Inventory } from '../../../src/inventory/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'ekp-lockfile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (c: string) => c.repeat(64);

async function refusal(file: string): Promise<string> {
  const err = await readPins(file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  return (err as Error).message;
}

describe('readPins', () => {
  it('a missing file or an empty one has no entries', async () => {
    expect(await readPins(join(dir, 'absent.yaml'))).toEqual({});
    writeFileSync(join(dir, 'empty.yaml'), '# nothing yet\n');
    expect(await readPins(join(dir, 'empty.yaml'))).toEqual({});
  });

  it('round-trips what writePins wrote, versions sorted', async () => {
    const file = join(dir, 'lock.yaml');
    await writePins({ '1.35.0': { x86_64: sha('a') }, '1.34.1': { aarch_64: sha('b') } }, file);
    expect(await readPins(file)).toEqual({ '1.34.1': { aarch_64: sha('b') }, '1.35.0': { x86_64: sha('a') } });
  });

  it('refuses a directory, a non-UTF-8 file and an oversized one, naming the file', async () => {
    mkdirSync(join(dir, 'a-dir'));
    expect(await refusal(join(dir, 'a-dir'))).toBe(`${join(dir, 'a-dir')}: not a regular file`);
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from('releases: {}\n# caf\xe9\n', 'latin1'));
    expect(await refusal(join(dir, 'latin1.yaml'))).toBe(`${join(dir, 'latin1.yaml')}: not UTF-8 text`);
    writeFileSync(join(dir, 'big.yaml'), `#${'x'.repeat(MAX_LOCKFILE_BYTES)}\n`);
    expect(await refusal(join(dir, 'big.yaml'))).toMatch(
      /big\.yaml: file is too large \(\d+ bytes; a lockfile may have at most 1 MiB\)$/,
    );
  });
});

describe('expectedSha', () => {
  const inv = (sha256: Inventory['envoy']['sha256']) =>
    ({ name: 't', file: 'hosts/t.yaml', envoy: { version: '1.35.0', sha256 } }) as Inventory;

  it("takes the inventory's value over the lockfile's, and refuses one that is not 64 hex digits", () => {
    expect(expectedSha(inv({ x86_64: sha('c') }), { '1.35.0': { x86_64: sha('d') } }, 'x86_64')).toBe(sha('c'));
    expect(expectedSha(inv({}), { '1.35.0': { x86_64: sha('d') } }, 'x86_64')).toBe(sha('d'));
    // only reachable by bypassing both schemas: the last guard before the value meets a shell
    expect(() => expectedSha(inv({}), { '1.35.0': { x86_64: '"$got"' } }, 'x86_64')).toThrow(
      'refusing the sha256 "\\"$got\\"" for Envoy 1.35.0 x86_64: not 64 lowercase hex digits',
    );
    expect(() => expectedSha(inv({}), {}, 'aarch_64')).toThrow(/^no sha256 known for Envoy 1\.35\.0 aarch_64/);
  });
});
