// Control-side download into a local cache: resumable, bounded in time, and never kept unless its
// sha256 matches. The cache is what `control` fetch mode pushes to air-gapped hosts.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Arch } from '../inventory/types.ts';
import { ToolError } from '../errors.ts';
import { discard, httpGet, type HttpResponse } from './http.ts';
import { assetName } from './url.ts';

export function cacheDir(): string {
  return process.env.EKP_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'envoy-k8s-proxy');
}

/** Where the cache keeps one release binary: <cache>/releases/<version>/envoy-<version>-linux-<arch>. */
export function releaseCachePath(version: string, arch: Arch, dir = cacheDir()): string {
  return join(dir, 'releases', version, assetName(version, arch));
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

async function size(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => -1,
  );
}

export interface FetchResult {
  path: string;
  sha256: string;
  downloaded: boolean;
  bytes: number;
}

export interface FetchOptions {
  /** Whole transfer, default 10 min. */
  timeoutMs?: number;
  /** No byte received for this long aborts (the partial file is kept for a resume), default 60 s. */
  idleTimeoutMs?: number;
}

/**
 * Download url to dest unless dest already has the expected hash. With `expect` undefined the
 * caller trusts the first download (and must show the hash for review). A `.partial` left by an
 * interrupted run is resumed with a Range request; redirects (GitHub assets live elsewhere) are
 * followed.
 */
export async function fetchToCache(
  url: string,
  dest: string,
  expect: string | undefined,
  opts: number | FetchOptions = {},
): Promise<FetchResult> {
  const o = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  if (expect && (await size(dest)) >= 0 && (await fileSha256(dest)) === expect) {
    return { path: dest, sha256: expect, downloaded: false, bytes: await size(dest) };
  }
  await mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  let resumed = await download(url, partial, o, true);
  let got = await fileSha256(partial);
  if (expect && got !== expect && resumed) {
    // The partial may be from another upload of the same name: start over once before failing.
    await rm(partial, { force: true });
    resumed = await download(url, partial, o, false);
    got = await fileSha256(partial);
  }
  if (expect && got !== expect) {
    await rm(partial, { force: true });
    throw new ToolError(
      'module',
      `checksum mismatch for ${url}: expected sha256 ${expect}, got ${got}; the download was deleted and nothing was installed`,
    );
  }
  await rename(partial, dest);
  return { path: dest, sha256: got, downloaded: true, bytes: await size(dest) };
}

/** Fill `partial` from url; true when it appended to bytes already there (a resume). */
async function download(url: string, partial: string, o: FetchOptions, mayResume: boolean): Promise<boolean> {
  const have = mayResume ? Math.max(0, await size(partial)) : 0;
  const timeoutMs = o.timeoutMs ?? 600_000;
  const idleMs = o.idleTimeoutMs ?? 60_000;
  const ctl = new AbortController();
  const total = setTimeout(() => ctl.abort(new Error(`timed out after ${duration(timeoutMs)}`)), timeoutMs);
  let idle = setTimeout(() => ctl.abort(new Error(`no data for ${duration(idleMs)}`)), idleMs);
  const touch = () => {
    clearTimeout(idle);
    idle = setTimeout(() => ctl.abort(new Error(`no data for ${duration(idleMs)}`)), idleMs);
  };
  const why = (err: unknown) => {
    const e = ctl.signal.aborted ? ctl.signal.reason : err;
    const cause = (e as Error).cause;
    return cause instanceof Error ? cause.message : (e as Error).message;
  };
  try {
    let res: HttpResponse;
    try {
      res = await httpGet(url, { headers: have ? { range: `bytes=${have}-` } : {}, signal: ctl.signal });
    } catch (err) {
      throw new ToolError('module', `unable to download ${url}: ${why(err)}`, { cause: err });
    }
    if (res.status === 416 && have > 0) {
      // The partial is as long as (or longer than) the file: it cannot be resumed, start over.
      discard(res);
      await rm(partial, { force: true });
      return download(url, partial, o, false);
    }
    if (res.status !== 200 && res.status !== 206) {
      discard(res);
      throw new ToolError('module', `unable to download ${url}: HTTP ${res.status}`);
    }
    // Append only when the server resumes exactly where the partial ends.
    const append = res.status === 206 && have > 0 && contentRangeStart(res.headers['content-range']) === have;
    if (res.status === 206 && !append) {
      discard(res);
      await rm(partial, { force: true });
      if (have > 0) return download(url, partial, o, false);
      throw new ToolError('module', `unable to download ${url}: the server sent a partial response to a full request`);
    }
    const progress = new Transform({
      transform(chunk, _enc, cb) {
        touch();
        cb(null, chunk);
      },
    });
    try {
      await pipeline(res.body, progress, createWriteStream(partial, { flags: append ? 'a' : 'w' }), {
        signal: ctl.signal,
      });
    } catch (err) {
      throw new ToolError(
        'module',
        `download of ${url} interrupted after ${Math.max(0, await size(partial))} bytes (${why(err)}); run again to resume it`,
        { cause: err },
      );
    }
    return append;
  } finally {
    clearTimeout(total);
    clearTimeout(idle);
  }
}

function duration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Math.round(ms / 1000)}s`;
}

function contentRangeStart(h: string | undefined): number | undefined {
  const m = h ? /^bytes\s+(\d+)-/.exec(h) : null;
  return m ? Number(m[1]) : undefined;
}

/** The server answered, with another status than 200 (a 404 says the file does not exist). */
export class HttpStatusError extends ToolError {
  constructor(
    readonly url: string,
    readonly status: number,
  ) {
    super('module', `unable to download ${url}: HTTP ${status}`);
  }
}

/** A small text file (checksums.txt.asc) fetched into memory; redirects followed. */
export async function fetchText(url: string, timeoutMs = 60_000, maxBytes = 1 << 20): Promise<string> {
  const signal = AbortSignal.timeout(timeoutMs);
  const fail = (err: unknown) =>
    new ToolError(
      'module',
      `unable to download ${url}: ${signal.aborted ? `timed out after ${duration(timeoutMs)}` : (err as Error).message}`,
      { cause: err },
    );
  let res: HttpResponse;
  try {
    res = await httpGet(url, { signal });
  } catch (err) {
    throw fail(err);
  }
  if (res.status !== 200) {
    discard(res);
    throw new HttpStatusError(url, res.status);
  }
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res.body) {
      n += (c as Buffer).length;
      if (n > maxBytes) {
        discard(res);
        throw new ToolError('module', `unable to use ${url}: larger than ${maxBytes} bytes`);
      }
      chunks.push(c as Buffer);
    }
  } catch (err) {
    throw err instanceof ToolError ? err : fail(err);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A local file given in the inventory (air-gapped hosts): verified, never copied. */
export async function verifyLocal(path: string, expect: string): Promise<FetchResult> {
  const got = await fileSha256(path).catch((err: Error) => {
    throw new ToolError('module', `unable to read envoy.localFile ${path}: ${err.message}`);
  });
  if (got !== expect)
    throw new ToolError(
      'module',
      `checksum mismatch for ${path}: expected sha256 ${expect}, got ${got}; nothing was installed`,
    );
  return { path, sha256: got, downloaded: false, bytes: await size(path) };
}
