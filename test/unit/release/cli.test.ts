// `envoy-k8s-proxy download` end to end through the CLI: options, text and JSON output, exit codes.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.ts';
import { ReleaseHost, checksumsText, sha256, standIn } from './release-host.ts';

const x86 = standIn('x86_64 cli');
const arm = standIn('aarch_64 cli');
const dir = mkdtempSync(join(tmpdir(), 'ekp-download-cli-'));
const saved = { lock: process.env.EKP_LOCKFILE, cache: process.env.EKP_CACHE_DIR };
let host: ReleaseHost;
let inventory: string;

beforeAll(async () => {
  host = await ReleaseHost.start();
  host.files.set('/v1.35.0/envoy-1.35.0-linux-x86_64', x86);
  host.files.set('/v1.35.0/envoy-1.35.0-linux-aarch_64', arm);
  process.env.EKP_LOCKFILE = join(dir, 'lock.yaml');
  process.env.EKP_CACHE_DIR = join(dir, 'cache');
  inventory = join(dir, 'inv.yaml');
  writeFileSync(
    inventory,
    `envoy: {version: 1.35.0, mirror: "${host.url}", insecureMirror: true}\nclusters:\n  - {name: k8s, listenPort: 6443, endpoints: [10.0.0.1:6443]}\nhosts: [{name: lb1}]\n`,
  );
});
afterAll(async () => {
  await host.close();
  for (const [k, v] of [
    ['EKP_LOCKFILE', saved.lock],
    ['EKP_CACHE_DIR', saved.cache],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => capture(['download', '--hosts', inventory, ...args]);

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((s: unknown) => void out.push(String(s)));
  const write = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((s: string | Uint8Array) => (err.push(String(s)), true));
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('') };
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

describe('download command', () => {
  it('a new hash without --signing-key or --trust-first-download: exit 2 saying what to do; nothing contacted', async () => {
    host.files.set('/v1.35.0/checksums.txt.asc', checksumsText({ 'envoy-1.35.0-linux-x86_64': x86 }));
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(
      /^download: no sha256 known for Envoy 1\.35\.0 x86_64, aarch_64, and nothing to verify a new one with: refusing to write \S+lock\.yaml \(nothing was downloaded\)\. Either:\n  - pass --signing-key/,
    );
    expect(r.err).toContain('  - or pass --trust-first-download');
    expect(host.requests).toEqual([]);
    host.files.delete('/v1.35.0/checksums.txt.asc');
  });

  it('an http:// mirror without envoy.insecureMirror: exit 2 naming the key, nothing contacted', async () => {
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, readFileSync(inventory, 'utf8').replace(', insecureMirror: true', ''));
    const r = await capture(['download', '--hosts', plain, '--trust-first-download']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `${plain}:1:34: envoy.mirror: expected an https:// URL, found "${host.url}": plain http lets anyone on the path swap the download (set envoy.insecureMirror: true to allow it, e.g. for a lab mirror)\n`,
    );
    expect(host.requests).toEqual([]);
  });

  it('--trust-first-download prints the hash and the review warning', async () => {
    const r = await cli('--arch', 'arm64', '--trust-first-download');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `aarch_64:\n  url     ${host.url}/v1.35.0/envoy-1.35.0-linux-aarch_64\n  sha256  ${sha256(arm)}\n  source  first-download\n`,
    );
    expect(r.out).toContain(
      '  !!! trusted on first download: REVIEW this sha256 against the release page before committing the lockfile',
    );
    expect(r.out).toContain(`size    ${arm.length} bytes, downloaded`);
    expect(r.out).toContain(`lockfile: ${join(dir, 'lock.yaml')} updated (aarch_64): review and commit it`);
  });

  it('--trust-first-download takes unsigned checksums.txt.asc for the rest, then everything is cached with no flag', async () => {
    host.files.set(
      '/v1.35.0/checksums.txt.asc',
      checksumsText({ 'envoy-1.35.0-linux-x86_64': x86, 'envoy-1.35.0-linux-aarch_64': arm }),
    );
    const r = await cli('--trust-first-download');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `checksums: ${host.url}/v1.35.0/checksums.txt.asc — signature NOT verified (no --signing-key)`,
    );
    expect(r.out).toMatch(/x86_64:[^]*source  checksums\.txt\.asc \(unsigned\)[^]*downloaded/);
    expect(r.out).toMatch(
      /aarch_64:[^]*source  lockfile\n  cached  .*envoy-1\.35\.0-linux-aarch_64\n  size    \d+ bytes, already cached/,
    );
    expect(r.out).toContain('updated (x86_64)');
    expect(r.out).toContain('WARNING: the signature of');
    expect(readFileSync(join(dir, 'lock.yaml'), 'utf8')).toContain(`x86_64: ${sha256(x86)}`);

    const again = await cli('--json');
    expect(again.code).toBe(0);
    const doc = JSON.parse(again.out) as { lockUpdated: string[]; releases: { source: string; downloaded: boolean }[] };
    expect(doc.lockUpdated).toEqual([]);
    expect(doc.releases.map((a) => [a.source, a.downloaded])).toEqual([
      ['lockfile', false],
      ['lockfile', false],
    ]);
  });

  it('a bad --arch is a usage error (exit 2)', async () => {
    const r = await cli('--arch', 'sparc');
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown architecture "sparc": expected x86_64, aarch_64');
  });
});
