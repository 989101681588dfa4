// Redirects against local HTTPS and HTTP release hosts (a self-signed certificate made here, trusted
// by this file only): https → https is followed, as GitHub's assets need; https → http is refused
// before the plain host is asked anything; http → https (an insecure mirror's upgrade) is followed.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { globalAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { downloadRelease } from '../../../src/release/download.ts';
import { fetchText, fetchToCache, releaseCachePath } from '../../../src/release/fetch.ts';
import { ReleaseHost, selfSignedCert, sha256, standIn } from './release-host.ts';

const BIN = '/v1.35.0/envoy-1.35.0-linux-x86_64';
const bytes = standIn('x86_64 redirect');
const dir = mkdtempSync(join(tmpdir(), 'ekp-redirect-'));
const savedCa = globalAgent.options.ca;
let secure: ReleaseHost;
let plain: ReleaseHost;
let dest: string;

beforeAll(async () => {
  const tls = selfSignedCert(dir);
  globalAgent.options.ca = tls.cert;
  secure = await ReleaseHost.start({ tls });
  plain = await ReleaseHost.start();
});
afterAll(async () => {
  globalAgent.options.ca = savedCa;
  await Promise.all([secure.close(), plain.close()]);
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  secure.reset({ '/objects/abc': bytes });
  plain.reset({ '/objects/abc': bytes, '/v1.35.0/checksums.txt.asc': `${sha256(bytes)}  envoy-1.35.0-linux-x86_64\n` });
  dest = releaseCachePath('1.35.0', 'x86_64', mkdtempSync(join(dir, 'cache-')));
  mkdirSync(dirname(dest), { recursive: true });
});

describe('redirects', () => {
  it('https → https is followed (GitHub release assets live on another host)', async () => {
    secure.redirects.set(BIN, `${secure.url}/objects/abc`);
    const r = await fetchToCache(`${secure.url}${BIN}`, dest, sha256(bytes));
    expect(r.downloaded).toBe(true);
    expect(secure.requests.map((q) => q.path)).toEqual([BIN, '/objects/abc']);
  });

  it('https → http is refused with a clear error; the plain host is never asked, nothing is kept', async () => {
    secure.redirects.set(BIN, `${plain.url}/objects/abc`);
    await expect(fetchToCache(`${secure.url}${BIN}`, dest, sha256(bytes))).rejects.toThrow(
      `unable to download ${secure.url}${BIN}: refusing the redirect from ${secure.url}${BIN} to ${plain.url}/objects/abc: a downgrade from https to http`,
    );
    expect(plain.requests).toEqual([]);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  it('checksums.txt.asc too: the downgrade stops download --trust-first-download, nothing fetched or written', async () => {
    secure.redirects.set('/v1.35.0/checksums.txt.asc', `${plain.url}/v1.35.0/checksums.txt.asc`);
    const why = `refusing the redirect from ${secure.url}/v1.35.0/checksums.txt.asc to ${plain.url}/v1.35.0/checksums.txt.asc: a downgrade from https to http`;
    await expect(fetchText(`${secure.url}/v1.35.0/checksums.txt.asc`)).rejects.toThrow(why);
    const lockfile = join(dir, 'lock.yaml');
    secure.files.set(BIN, bytes);
    const inv = {
      name: 't',
      file: 'hosts/t.yaml',
      envoy: {
        version: '1.35.0',
        sha256: {},
        mirror: secure.url,
        insecureMirror: false,
        fetch: 'control' as const,
        logLevel: 'info' as const,
      },
    };
    // a downgrade is an attack or a broken mirror, not "no checksums": no fallback to trusting the download
    await expect(
      downloadRelease(inv, {
        lockfile,
        cacheDir: join(dir, 'cache-download'),
        arches: ['x86_64'],
        trustFirstDownload: true,
      }),
    ).rejects.toThrow(why);
    expect(secure.binaryRequests()).toEqual([]);
    expect(plain.requests).toEqual([]);
    expect(existsSync(lockfile)).toBe(false);
  });

  it('http → https (an insecure mirror upgrading) is followed', async () => {
    plain.redirects.set(BIN, `${secure.url}/objects/abc`);
    const r = await fetchToCache(`${plain.url}${BIN}`, dest, sha256(bytes));
    expect(r.downloaded).toBe(true);
    expect(secure.requests.map((q) => q.path)).toEqual(['/objects/abc']);
  });
});
