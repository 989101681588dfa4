// checksums.txt.asc signatures: a throwaway key made here (temp GNUPGHOME) clearsigns stand-in
// checksums; gpgv (or gpg) must accept exactly that and refuse anything tampered or foreign.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../../src/inventory/types.ts';
import { downloadRelease } from '../../../src/release/download.ts';
import { readPins } from '../../../src/release/pins.ts';
import { clearsignedText, dearmor, verifyClearsigned } from '../../../src/release/signature.ts';
import { ReleaseHost, checksumsText, sha256, standIn } from './release-host.ts';

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const HAVE_GPG = has('gpg') && has('gpgv');
if (!HAVE_GPG)
  console.warn('signature tests SKIPPED: gpg/gpgv not installed (apt-get install -y gpg gpgv, or scripts/setup.sh)');

const x86 = standIn('x86_64 signed');
const arm = standIn('aarch_64 signed');
const dir = mkdtempSync(join(tmpdir(), 'ekp-sig-'));
const gnupg = (home: string) => (args: string[], input?: string) =>
  execFileSync('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], {
    env: { ...process.env, GNUPGHOME: home },
    input,
    encoding: 'utf8',
  });
const homes = [join(dir, 'gnupg-release'), join(dir, 'gnupg-other')];
let releaseKey = '';
let otherKey = '';
let signed = '';

beforeAll(() => {
  if (!HAVE_GPG) return;
  for (const h of homes) mkdirSync(h, { mode: 0o700 });
  const [rel, oth] = homes.map(gnupg) as [ReturnType<typeof gnupg>, ReturnType<typeof gnupg>];
  rel(['--quick-gen-key', 'EKP test release key <release@example.invalid>', 'ed25519', 'sign', 'never']);
  oth(['--quick-gen-key', 'EKP someone else <other@example.invalid>', 'ed25519', 'sign', 'never']);
  releaseKey = rel(['--armor', '--export']);
  otherKey = oth(['--armor', '--export']);
  writeFileSync(
    join(dir, 'checksums.txt'),
    checksumsText({ 'envoy-1.35.0-linux-x86_64': x86, 'envoy-1.35.0-linux-aarch_64': arm }),
  );
  rel(['--clearsign', '--output', join(dir, 'checksums.txt.asc'), join(dir, 'checksums.txt')]);
  signed = readFileSync(join(dir, 'checksums.txt.asc'), 'utf8');
}, 60_000);

afterAll(() => {
  // Stop only the agents of our own throwaway homes.
  if (HAVE_GPG)
    for (const h of homes)
      execFileSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: h }, stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

/** One hex digit of the x86_64 line changed: still a well-formed clearsigned file. */
function tamper(text: string): string {
  const good = sha256(x86);
  const bad = (good[0] === '0' ? '1' : '0') + good.slice(1);
  return text.replace(good, bad);
}

describe('clearsignedText', () => {
  it('takes the text between the armor lines and undoes dash-escaping', () => {
    const msg =
      '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nline 1\n- -----dashes\n-----BEGIN PGP SIGNATURE-----\n\nxx\n-----END PGP SIGNATURE-----\n';
    expect(clearsignedText(`junk before\n${msg}junk after`)).toBe('line 1\n-----dashes');
    expect(clearsignedText('plain\n')).toBe('plain\n');
  });
});

describe.skipIf(!HAVE_GPG)('verifyClearsigned (gpg available)', () => {
  it('dearmor gives the same packets as gpg --export', () => {
    const binary = execFileSync('gpg', ['--batch', '--export'], { env: { ...process.env, GNUPGHOME: homes[0] } });
    expect(dearmor(releaseKey).equals(binary)).toBe(true);
    expect(() => dearmor('not a key')).toThrow(/not an ASCII-armored OpenPGP public key block/);
  });

  it('a good signature passes and yields only the signed text', async () => {
    const v = await verifyClearsigned(`${sha256(standIn('evil'))}  envoy-1.35.0-linux-x86_64\n${signed}`, releaseKey);
    expect(v.tool).toBe('gpgv');
    expect(v.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    expect(v.text).toBe(readFileSync(join(dir, 'checksums.txt'), 'utf8'));
  });

  it('a tampered file fails', async () => {
    await expect(verifyClearsigned(tamper(signed), releaseKey)).rejects.toThrow(
      /^the signature of checksums\.txt\.asc is not valid for the given signing key; refusing to use its checksums \(gpgv: .*BAD signature/,
    );
  });

  it("another key's signature fails", async () => {
    await expect(verifyClearsigned(signed, otherKey)).rejects.toThrow(
      /is not valid for the given signing key.*No public key/,
    );
  });

  it('falls back to gpg with a temporary GNUPGHOME when gpgv is missing', async () => {
    const bin = join(dir, 'bin-without-gpgv');
    mkdirSync(bin);
    for (const t of ['gpg', 'gpgconf', 'gpg-agent']) {
      const p = execFileSync('sh', ['-c', `command -v ${t} || true`], { encoding: 'utf8' }).trim();
      if (p && !existsSync(join(bin, t))) symlinkSync(p, join(bin, t));
    }
    const path = process.env.PATH;
    process.env.PATH = bin;
    try {
      const v = await verifyClearsigned(signed, releaseKey);
      expect(v.tool).toBe('gpg');
      expect(v.text).toContain(sha256(arm));
      await expect(verifyClearsigned(tamper(signed), releaseKey)).rejects.toThrow(/\(gpg: .*BAD signature/);
    } finally {
      process.env.PATH = path;
    }
  });

  describe('downloadRelease --signing-key', () => {
    let host: ReleaseHost;
    beforeAll(async () => {
      host = await ReleaseHost.start();
      host.files.set('/v1.35.0/envoy-1.35.0-linux-x86_64', x86);
      host.files.set('/v1.35.0/envoy-1.35.0-linux-aarch_64', arm);
      writeFileSync(join(dir, 'release-key.asc'), releaseKey);
    });
    afterAll(() => host.close());
    const inv = (): Pick<Inventory, 'name' | 'file' | 'envoy'> => ({
      name: 't',
      file: 'hosts/t.yaml',
      envoy: {
        version: '1.35.0',
        sha256: {},
        mirror: host.url,
        insecureMirror: true,
        fetch: 'control',
        logLevel: 'info',
      },
    });

    it('signed checksums fill the lockfile, marked signed, with no unverified warning', async () => {
      host.files.set('/v1.35.0/checksums.txt.asc', signed);
      const lockfile = join(mkdtempSync(join(dir, 'run-')), 'lock.yaml');
      const r = await downloadRelease(inv(), {
        lockfile,
        cacheDir: join(dir, 'cache-good'),
        signingKey: join(dir, 'release-key.asc'),
      });
      expect(r.releases.map((a) => a.source)).toEqual(['checksums.txt.asc (signed)', 'checksums.txt.asc (signed)']);
      expect(r.checksums?.signed).toBe(true);
      expect(r.warnings).toEqual([]);
      expect(await readPins(lockfile)).toEqual({ '1.35.0': { x86_64: sha256(x86), aarch_64: sha256(arm) } });
    });

    it('a bad signature refuses, even with --trust-first-download, before any binary request', async () => {
      host.files.set('/v1.35.0/checksums.txt.asc', tamper(signed));
      host.requests.length = 0;
      const lockfile = join(mkdtempSync(join(dir, 'run-')), 'lock.yaml');
      await expect(
        downloadRelease(inv(), {
          lockfile,
          cacheDir: join(dir, 'cache-bad'),
          signingKey: join(dir, 'release-key.asc'),
          trustFirstDownload: true,
        }),
      ).rejects.toThrow(
        `the signature of ${host.url}/v1.35.0/checksums.txt.asc is not valid for the given signing key`,
      );
      expect(host.binaryRequests()).toEqual([]);
      expect(existsSync(lockfile)).toBe(false);
    });

    it('signed checksums that do not list the asset are no hash source: refused before any binary request', async () => {
      writeFileSync(join(dir, 'other.txt'), checksumsText({ 'envoy-contrib-1.35.0-linux-x86_64': x86 }));
      const rel = gnupg(homes[0]!);
      rel(['--yes', '--clearsign', '--output', join(dir, 'other.txt.asc'), join(dir, 'other.txt')]);
      host.files.set('/v1.35.0/checksums.txt.asc', readFileSync(join(dir, 'other.txt.asc'), 'utf8'));
      host.requests.length = 0;
      const lockfile = join(mkdtempSync(join(dir, 'run-')), 'lock.yaml');
      await expect(
        downloadRelease(inv(), {
          lockfile,
          cacheDir: join(dir, 'c'),
          arches: ['x86_64'],
          signingKey: join(dir, 'release-key.asc'),
        }),
      ).rejects.toThrow(
        `no sha256 known for Envoy 1.35.0 x86_64 (${host.url}/v1.35.0/checksums.txt.asc lists no envoy-1.35.0-linux-x86_64); refusing to download unchecked`,
      );
      expect(host.binaryRequests()).toEqual([]);
      expect(existsSync(lockfile)).toBe(false);
    });

    it('an unreadable key file is a clear error', async () => {
      host.files.set('/v1.35.0/checksums.txt.asc', signed);
      await expect(
        downloadRelease(inv(), {
          lockfile: join(dir, 'never.yaml'),
          cacheDir: join(dir, 'c'),
          signingKey: join(dir, 'missing.asc'),
        }),
      ).rejects.toThrow(`unable to read --signing-key ${join(dir, 'missing.asc')}`);
    });
  });
});
