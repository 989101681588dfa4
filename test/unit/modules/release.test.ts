// The release module's verify script, run for real through a local sh transport: a good binary
// lands, and hostile expected values (the lockfile's, before its schema existed) stay data: the
// check fails, nothing runs, nothing is installed. In host fetch mode, the host's real curl against
// local HTTPS and HTTP release hosts: it follows https → https, never a downgrade to http.
import { mkdtempSync, rmSync } from 'node:fs';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FactCache } from '../../../src/facts/gather.ts';
import { curlProtocols, release } from '../../../src/modules/release.ts';
import { runTask } from '../../../src/runner/run.ts';
import { task, type TaskContext } from '../../../src/runner/types.ts';
import type { HostSpec, Inventory } from '../../../src/inventory/types.ts';
import { localTransport } from '../runner/local-transport.ts';
import { ReleaseHost, selfSignedCert } from '../release/release-host.ts';

const root = process.getuid?.() === 0;
let dir: string;
let bin: string;
let sum: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ekp-release-'));
  bin = join(dir, 'envoy-upload');
  const script = '#!/bin/sh\necho "envoy  version: 0123abc/1.35.0/Clean/RELEASE/BoringSSL"\n';
  await writeFile(bin, script);
  await chmod(bin, 0o755);
  sum = createHash('sha256').update(script).digest('hex');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function install(expected: string, version = '1.35.0', url?: string) {
  const source = url ? { mode: 'host' as const, url: () => url } : { mode: 'control' as const, local: async () => bin };
  const module = release({ installDir: join(dir, 'opt'), version, expected: () => expected, source });
  const t = localTransport();
  const facts = new FactCache('local');
  await facts.gather(t, module.facts({ diff: false }));
  const host = { name: 'local', ssh: { user: 'root', become: false } } as HostSpec;
  const ctx: TaskContext = { inv: {} as Inventory, host, facts, check: false, diff: false, changed: new Set() };
  return (await runTask('envoy_binary', task('binary', module), ctx, t, {})).result;
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe.skipIf(!root)('release verify script (as root, locally)', () => {
  it('installs a binary whose sha256 and version match', async () => {
    const r = await install(sum);
    expect(r.status, r.error).toBe('changed');
    expect(await exists(join(dir, 'opt/releases/1.35.0/envoy'))).toBe(true);
  });

  it.each(['"$got"', 'x ]; touch PWNED; [ x', '$(touch PWNED)', "'; touch PWNED; '"])(
    'a hostile expected sha256 %s is compared as text: refused, nothing run, nothing installed',
    async (template) => {
      const hostile = template.replaceAll('PWNED', join(dir, 'pwned'));
      const r = await install(hostile);
      expect(r.status).toBe('failed');
      expect(r.error).toContain(`checksum mismatch: expected sha256 ${hostile}, got ${sum}; the file was deleted`);
      expect(await exists(join(dir, 'pwned'))).toBe(false);
      expect(await readdir(join(dir, 'opt/releases'))).toEqual([]); // the failed release's dir is removed too
    },
  );

  it('a hostile version is data too: the version check fails, nothing runs', async () => {
    const version = `1.35.0"; touch ${join(dir, 'pwned')}; "`;
    const r = await install(sum, version);
    expect(r.status).toBe('failed');
    expect(r.error).toContain(`the binary reports another version than ${version}`);
    expect(await exists(join(dir, 'pwned'))).toBe(false);
  });
});

describe.skipIf(!root)('host fetch mode: the host curl never follows a downgrade (as root, locally)', () => {
  const certDir = mkdtempSync(join(tmpdir(), 'ekp-release-tls-'));
  const saved = process.env.CURL_CA_BUNDLE;
  const BIN = '/v1.35.0/envoy-1.35.0-linux-x86_64';
  let secure: ReleaseHost;
  let plain: ReleaseHost;
  beforeAll(async () => {
    const tls = selfSignedCert(certDir);
    process.env.CURL_CA_BUNDLE = tls.certFile; // the local sh transport inherits it: curl trusts only this cert
    [secure, plain] = await Promise.all([ReleaseHost.start({ tls }), ReleaseHost.start()]);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.CURL_CA_BUNDLE;
    else process.env.CURL_CA_BUNDLE = saved;
    await Promise.all([secure.close(), plain.close()]);
    rmSync(certDir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const binary = await readFile(bin);
    secure.reset({ '/objects/abc': binary });
    plain.reset({ '/objects/abc': binary });
  });

  it('https → https is followed and installed', async () => {
    secure.redirects.set(BIN, `${secure.url}/objects/abc`);
    const r = await install(sum, '1.35.0', `${secure.url}${BIN}`);
    expect(r.status, r.error).toBe('changed');
    expect(secure.requests.map((q) => q.path)).toEqual([BIN, '/objects/abc']);
    expect(await exists(join(dir, 'opt/releases/1.35.0/envoy'))).toBe(true);
  });

  it('https → http is refused by curl: the plain host is never asked, nothing is installed', async () => {
    secure.redirects.set(BIN, `${plain.url}/objects/abc`);
    const r = await install(sum, '1.35.0', `${secure.url}${BIN}`);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(
      /unable to download https:\/\/127\.0\.0\.1:\d+\/v1\.35\.0\/envoy-1\.35\.0-linux-x86_64: curl: \(1\) Protocol "http" not supported/,
    );
    expect(plain.requests).toEqual([]);
    expect(await exists(join(dir, 'opt/releases/1.35.0/envoy'))).toBe(false);
  });

  it('the curl options: https only for an https URL; http and https for an insecure http mirror', () => {
    expect(curlProtocols('https://mirror.example/envoy')).toBe('--proto =https --proto-redir =https');
    expect(curlProtocols('http://10.0.0.1:8080/envoy')).toBe('--proto =http,https --proto-redir =http,https');
  });
});
