// fetchToCache against a local release host: cache hits, resume with Range, redirects, restarts,
// interrupted and stalled transfers, and a mismatch that deletes the download.
import { existsSync, rmSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/errors.ts';
import { fetchText, fetchToCache, releaseCachePath } from '../../../src/release/fetch.ts';
import { ReleaseHost, sha256, standIn } from './release-host.ts';

const BIN = '/v1.35.0/envoy-1.35.0-linux-x86_64';
const bytes = standIn('x86_64 fetch', 256);
const sum = sha256(bytes);
let host: ReleaseHost;
let dir: string;
let dest: string;

beforeAll(async () => {
  host = await ReleaseHost.start();
});
afterAll(() => host.close());
afterEach(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  host.reset({ [BIN]: bytes });
  dir = mkdtempSync(join(tmpdir(), 'ekp-fetch-'));
  dest = releaseCachePath('1.35.0', 'x86_64', dir);
  mkdirSync(dirname(dest), { recursive: true });
});

describe('fetchToCache', () => {
  it('downloads, verifies and keeps the file; a second call is a cache hit with no request', async () => {
    const r = await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(r).toEqual({ path: dest, sha256: sum, downloaded: true, bytes: bytes.length });
    expect(dest).toBe(join(dir, 'releases', '1.35.0', 'envoy-1.35.0-linux-x86_64'));
    expect(readFileSync(dest).equals(bytes)).toBe(true);
    expect(existsSync(`${dest}.partial`)).toBe(false);
    host.requests.length = 0;
    const again = await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(again.downloaded).toBe(false);
    expect(host.requests).toEqual([]);
  });

  it('resumes a partial download with a Range request', async () => {
    const have = 100_000;
    writeFileSync(`${dest}.partial`, bytes.subarray(0, have));
    host.requests.length = 0;
    const r = await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(r.downloaded).toBe(true);
    expect(host.requests).toEqual([{ path: BIN, range: `bytes=${have}-` }]);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  it('an interrupted transfer keeps its partial file and the next call resumes it', async () => {
    host.cutAfter = 50_000;
    const err = await fetchToCache(`${host.url}${BIN}`, dest, sum).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    expect((err as Error).message).toMatch(/interrupted after \d+ bytes .*run again to resume it/);
    const kept = statSync(`${dest}.partial`).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(bytes.length);
    host.requests.length = 0;
    await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(host.requests).toEqual([{ path: BIN, range: `bytes=${kept}-` }]);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  it('follows redirects (GitHub assets live on another host), Range included', async () => {
    host.files.delete(BIN);
    host.files.set('/assets/blob-1', bytes);
    host.redirects.set(BIN, `${host.url}/assets/blob-1`);
    writeFileSync(`${dest}.partial`, bytes.subarray(0, 1000));
    host.requests.length = 0;
    const r = await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(r.sha256).toBe(sum);
    expect(host.requests).toEqual([
      { path: BIN, range: 'bytes=1000-' },
      { path: '/assets/blob-1', range: 'bytes=1000-' },
    ]);
  });

  it('a server without Range support sends the whole file, which replaces the partial', async () => {
    host.ignoreRange = true;
    writeFileSync(`${dest}.partial`, bytes.subarray(0, 1000));
    await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  it('a partial from other bytes: the resumed file mismatches, so it starts over once', async () => {
    writeFileSync(`${dest}.partial`, standIn('some other upload', 10));
    host.requests.length = 0;
    await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(host.requests.map((r) => r.range)).toEqual([`bytes=${10 * 1024}-`, undefined]);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  it('416 (partial as long as the file) starts over', async () => {
    writeFileSync(`${dest}.partial`, Buffer.concat([bytes, Buffer.from('junk')]));
    host.requests.length = 0;
    await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(host.requests.map((r) => r.range)).toEqual([`bytes=${bytes.length + 4}-`, undefined]);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  it('a mismatch deletes the download and says so', async () => {
    const other = sha256(standIn('not what was served'));
    await expect(fetchToCache(`${host.url}${BIN}`, dest, other)).rejects.toThrow(
      `checksum mismatch for ${host.url}${BIN}: expected sha256 ${other}, got ${sum}; the download was deleted and nothing was installed`,
    );
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);
  });

  it('a cached file that no longer matches is downloaded again', async () => {
    await fetchToCache(`${host.url}${BIN}`, dest, sum);
    writeFileSync(dest, 'tampered');
    const r = await fetchToCache(`${host.url}${BIN}`, dest, sum);
    expect(r.downloaded).toBe(true);
    expect(readFileSync(dest).equals(bytes)).toBe(true);
  });

  it('without an expected hash (trust on first download) returns the hash of what came', async () => {
    const r = await fetchToCache(`${host.url}${BIN}`, dest, undefined);
    expect(r.sha256).toBe(sum);
  });

  it('HTTP errors and stalls are errors naming the URL', async () => {
    await expect(fetchToCache(`${host.url}/v9.9.9/envoy-9.9.9-linux-x86_64`, dest, sum)).rejects.toThrow(
      `unable to download ${host.url}/v9.9.9/envoy-9.9.9-linux-x86_64: HTTP 404`,
    );
    host.stallAfter = 1000;
    await expect(fetchToCache(`${host.url}${BIN}`, dest, sum, { idleTimeoutMs: 300 })).rejects.toThrow(
      /interrupted after \d+ bytes \(no data for 300ms\)/,
    );
  });
});

describe('fetchText', () => {
  it('returns the body, or an error with the HTTP status', async () => {
    host.files.set('/v1.35.0/checksums.txt.asc', 'hello\n');
    expect(await fetchText(`${host.url}/v1.35.0/checksums.txt.asc`)).toBe('hello\n');
    await expect(fetchText(`${host.url}/v1.36.0/checksums.txt.asc`)).rejects.toThrow(
      `unable to download ${host.url}/v1.36.0/checksums.txt.asc: HTTP 404`,
    );
  });
});
