// downloadRelease against a local release host: where each sha256 comes from, what the lockfile
// learns, and every refusal (mismatch, no approval for a new hash, missing asset).
import { existsSync, rmSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EnvoyRelease, Inventory } from '../../../src/inventory/types.ts';
import { downloadRelease, FIRST_DOWNLOAD_WARNING, type DownloadOptions } from '../../../src/release/download.ts';
import { readPins, writePins } from '../../../src/release/pins.ts';
import { InputError } from '../../../src/errors.ts';
import { ReleaseHost, checksumsText, sha256, standIn } from './release-host.ts';

const X86 = '/v1.35.0/envoy-1.35.0-linux-x86_64';
const ARM = '/v1.35.0/envoy-1.35.0-linux-aarch_64';
const SUMS = '/v1.35.0/checksums.txt.asc';
const x86 = standIn('x86_64');
const arm = standIn('aarch_64');

let host: ReleaseHost;
let dir: string;
let lockfile: string;
let cache: string;

beforeAll(async () => {
  host = await ReleaseHost.start();
});
afterAll(() => host.close());
afterEach(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  host.reset({ [X86]: x86, [ARM]: arm });
  dir = mkdtempSync(join(tmpdir(), 'ekp-download-'));
  lockfile = join(dir, 'envoy-releases.lock.yaml');
  cache = join(dir, 'cache');
});

function inv(envoy: Partial<EnvoyRelease> = {}): Pick<Inventory, 'name' | 'file' | 'envoy'> {
  return {
    name: 't',
    file: '/inv/hosts/t.yaml',
    envoy: {
      version: '1.35.0',
      sha256: {},
      mirror: host.url,
      insecureMirror: true,
      fetch: 'control',
      logLevel: 'info',
      ...envoy,
    },
  };
}
const opts = (o: DownloadOptions = {}): DownloadOptions => ({ lockfile, cacheDir: cache, ...o });
const unsignedSums = (entries: Record<string, Buffer>) =>
  `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n${checksumsText(entries)}-----BEGIN PGP SIGNATURE-----\n\nnot checked\n-----END PGP SIGNATURE-----\n`;

describe('downloadRelease', () => {
  it('--trust-first-download takes unsigned checksums.txt.asc, says to review them; then no flag is needed and the cache hits', async () => {
    host.files.set(SUMS, unsignedSums({ 'envoy-1.35.0-linux-x86_64': x86, 'envoy-1.35.0-linux-aarch_64': arm }));
    const r = await downloadRelease(inv(), opts({ trustFirstDownload: true }));
    expect(r.releases.map((a) => [a.arch, a.sha256, a.source, a.downloaded, a.bytes])).toEqual([
      ['x86_64', sha256(x86), 'checksums.txt.asc (unsigned)', true, x86.length],
      ['aarch_64', sha256(arm), 'checksums.txt.asc (unsigned)', true, arm.length],
    ]);
    expect(r.releases[0]!.url).toBe(`${host.url}${X86}`);
    expect(r.releases[0]!.path).toBe(join(cache, 'releases', '1.35.0', 'envoy-1.35.0-linux-x86_64'));
    expect(readFileSync(r.releases[1]!.path).equals(arm)).toBe(true);
    expect(r.checksums).toEqual({ url: `${host.url}${SUMS}`, signed: false });
    expect(r.warnings).toEqual([
      `the signature of ${host.url}${SUMS} was NOT verified (no --signing-key; taken on trust as --trust-first-download asks): REVIEW these sha256 values against the release page before committing the lockfile`,
    ]);
    expect(r.lockUpdated).toEqual(['x86_64', 'aarch_64']);
    expect(await readPins(lockfile)).toEqual({ '1.35.0': { x86_64: sha256(x86), aarch_64: sha256(arm) } });
    expect(readFileSync(lockfile, 'utf8')).toMatch(/^# sha256 of Envoy release binaries/);

    host.requests.length = 0;
    const before = readFileSync(lockfile, 'utf8');
    const again = await downloadRelease(inv(), opts());
    expect(host.requests).toEqual([]);
    expect(again.releases.map((a) => [a.source, a.downloaded])).toEqual([
      ['lockfile', false],
      ['lockfile', false],
    ]);
    expect(again.lockUpdated).toEqual([]);
    expect(again.warnings).toEqual([]);
    expect(readFileSync(lockfile, 'utf8')).toBe(before);
  });

  it('a binary that does not match checksums.txt.asc is deleted, the lockfile untouched, the run fails', async () => {
    host.files.set(SUMS, unsignedSums({ 'envoy-1.35.0-linux-x86_64': x86 }));
    host.files.set(X86, standIn('something else'));
    await writePins({ '1.34.0': { x86_64: sha256(standIn('older')) } }, lockfile);
    const before = readFileSync(lockfile, 'utf8');
    await expect(downloadRelease(inv(), opts({ arches: ['x86_64'], trustFirstDownload: true }))).rejects.toThrow(
      /checksum mismatch for .*envoy-1\.35\.0-linux-x86_64: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}; the download was deleted/,
    );
    const dest = join(cache, 'releases', '1.35.0', 'envoy-1.35.0-linux-x86_64');
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);
    expect(readFileSync(lockfile, 'utf8')).toBe(before);
  });

  it('a new hash without --signing-key or --trust-first-download: refused (exit 2) before any request, saying what to do', async () => {
    host.files.set(SUMS, unsignedSums({ 'envoy-1.35.0-linux-x86_64': x86, 'envoy-1.35.0-linux-aarch_64': arm }));
    await writePins({ '1.35.0': { aarch_64: sha256(arm) } }, lockfile);
    const before = readFileSync(lockfile, 'utf8');
    const err = await downloadRelease(inv(), opts()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      `download: no sha256 known for Envoy 1.35.0 x86_64, and nothing to verify a new one with: refusing to write ${lockfile} (nothing was downloaded). Either:\n` +
        "  - pass --signing-key <release key.asc>: the sha256 is taken from the release's checksums.txt.asc once its signature is verified (gpgv)\n" +
        '  - or pass --trust-first-download: the sha256 of the first download is recorded and printed; review it before you commit the lockfile\n' +
        '  - or set envoy.sha256.x86_64 in /inv/hosts/t.yaml (from the release page)',
    );
    expect(host.requests).toEqual([]);
    expect(readFileSync(lockfile, 'utf8')).toBe(before);
    // the hash already in the lockfile needs no flag: that arch alone downloads and verifies
    const r = await downloadRelease(inv(), opts({ arches: ['aarch_64'] }));
    expect(r.releases.map((a) => [a.arch, a.source, a.downloaded])).toEqual([['aarch_64', 'lockfile', true]]);
    expect(host.requests.map((q) => q.path)).toEqual([ARM]);
  });

  it('--trust-first-download with no checksums.txt.asc at all: the first download, said so', async () => {
    const r = await downloadRelease(inv(), opts({ trustFirstDownload: true, arches: ['x86_64'] }));
    expect(r.releases.map((a) => [a.arch, a.source])).toEqual([['x86_64', 'first-download']]);
    expect(r.warnings[0]).toBe(
      `no checksums to compare with (unable to download ${host.url}${SUMS}: HTTP 404): the first download is trusted as is`,
    );
    expect(await readPins(lockfile)).toEqual({ '1.35.0': { x86_64: sha256(x86) } });
  });

  it('--trust-first-download takes the hash of the download and says loudly to review it', async () => {
    const r = await downloadRelease(inv(), opts({ trustFirstDownload: true, arches: ['aarch_64'] }));
    expect(r.releases.map((a) => [a.arch, a.source, a.sha256])).toEqual([['aarch_64', 'first-download', sha256(arm)]]);
    expect(r.warnings).toContain(`aarch_64: sha256 ${sha256(arm)} ${FIRST_DOWNLOAD_WARNING}`);
    expect(FIRST_DOWNLOAD_WARNING).toBe(
      'trusted on first download: REVIEW this sha256 against the release page before committing the lockfile',
    );
    expect(await readPins(lockfile)).toEqual({ '1.35.0': { aarch_64: sha256(arm) } });
  });

  it('checksums.txt.asc still wins over --trust-first-download when it lists the asset', async () => {
    host.files.set(SUMS, unsignedSums({ 'envoy-1.35.0-linux-x86_64': x86 }));
    const r = await downloadRelease(inv(), opts({ trustFirstDownload: true }));
    expect(r.releases.map((a) => a.source)).toEqual(['checksums.txt.asc (unsigned)', 'first-download']);
  });

  it("the inventory's sha256 wins over the lockfile's, and checksums are not fetched", async () => {
    await writePins({ '1.35.0': { x86_64: sha256(standIn('stale')) } }, lockfile);
    const before = readFileSync(lockfile, 'utf8');
    const r = await downloadRelease(inv({ sha256: { x86_64: sha256(x86) } }), opts({ arches: ['x86_64'] }));
    expect(r.releases.map((a) => [a.source, a.sha256, a.downloaded])).toEqual([['inventory', sha256(x86), true]]);
    expect(r.warnings).toEqual([
      `x86_64: the inventory's envoy.sha256.x86_64 differs from the lockfile's ${sha256(standIn('stale'))}; the inventory's wins`,
    ]);
    expect(host.requests.map((q) => q.path)).toEqual([X86]);
    expect(r.lockUpdated).toEqual([]);
    expect(readFileSync(lockfile, 'utf8')).toBe(before);
  });

  it('release assets behind redirects, as on GitHub', async () => {
    host.files.set(SUMS, unsignedSums({ 'envoy-1.35.0-linux-x86_64': x86 }));
    host.files.delete(X86);
    host.files.set('/objects/abc', x86);
    host.redirects.set(X86, `${host.url}/objects/abc`);
    const r = await downloadRelease(inv(), opts({ arches: ['x86_64'], trustFirstDownload: true }));
    expect(r.releases[0]!.downloaded).toBe(true);
    expect(host.binaryRequests().map((q) => q.path)).toEqual([X86, '/objects/abc']);
  });

  it('resumes a partial binary left by an interrupted run', async () => {
    host.files.set(SUMS, unsignedSums({ 'envoy-1.35.0-linux-x86_64': x86 }));
    host.cutAfter = 20_000;
    await expect(downloadRelease(inv(), opts({ arches: ['x86_64'], trustFirstDownload: true }))).rejects.toThrow(
      /run again to resume it/,
    );
    expect(existsSync(lockfile)).toBe(false);
    host.requests.length = 0;
    const r = await downloadRelease(inv(), opts({ arches: ['x86_64'], trustFirstDownload: true }));
    expect(r.releases[0]!.sha256).toBe(sha256(x86));
    expect(host.binaryRequests()[0]!.range).toMatch(/^bytes=\d+-$/);
  });

  describe('envoy.localFile', () => {
    it('is hashed, never downloaded: a known sha256 must match', async () => {
      const file = join(dir, 'envoy');
      writeFileSync(file, x86);
      const r = await downloadRelease(
        inv({ localFile: file, sha256: { x86_64: sha256(x86) } }),
        opts({ arches: ['x86_64'] }),
      );
      expect(r.releases).toEqual([
        {
          arch: 'x86_64',
          url: file,
          sha256: sha256(x86),
          source: 'inventory',
          path: file,
          bytes: x86.length,
          downloaded: false,
          local: true,
        },
      ]);
      await expect(
        downloadRelease(inv({ localFile: file, sha256: { x86_64: sha256(arm) } }), opts({ arches: ['x86_64'] })),
      ).rejects.toThrow(`checksum mismatch for ${file}`);
      expect(host.requests).toEqual([]);
    });

    it('without a known sha256 needs --trust-first-download, then records it', async () => {
      const file = join(dir, 'envoy');
      writeFileSync(file, arm);
      // a signing key cannot vouch for a local file: only the explicit trust flag records it
      const err = await downloadRelease(inv({ localFile: file }), opts({ signingKey: join(dir, 'unused.asc') })).catch(
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect((err as Error).message).toContain(
        'download: no sha256 known for Envoy 1.35.0 x86_64, aarch_64, and nothing to verify a new one with',
      );
      expect((err as Error).message).not.toContain('--signing-key');
      const r = await downloadRelease(
        inv({ localFile: file }),
        opts({ trustFirstDownload: true, arches: ['aarch_64'] }),
      );
      expect(r.releases.map((a) => [a.arch, a.source, a.sha256])).toEqual([
        ['aarch_64', 'first-download', sha256(arm)],
      ]);
      expect(await readPins(lockfile)).toEqual({ '1.35.0': { aarch_64: sha256(arm) } });
      expect(host.requests).toEqual([]);
    });

    it('an ELF binary is recorded under its own architecture only', async () => {
      const file = join(dir, 'envoy');
      const elf = Buffer.alloc(64);
      elf.writeUInt32BE(0x7f454c46, 0);
      elf[4] = 2; // 64-bit
      elf[5] = 1; // little-endian
      elf.writeUInt16LE(183, 18); // EM_AARCH64
      writeFileSync(file, elf);
      const r = await downloadRelease(inv({ localFile: file }), opts({ trustFirstDownload: true }));
      expect(r.releases.map((a) => a.arch)).toEqual(['aarch_64']);
      await expect(
        downloadRelease(inv({ localFile: file }), opts({ trustFirstDownload: true, arches: ['x86_64'] })),
      ).rejects.toThrow(`envoy.localFile ${file} is an aarch_64 binary, not x86_64`);
    });
  });
});
