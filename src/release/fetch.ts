// Control-side download into a local cache: resumable, bounded in time, and never kept unless its
// sha256 matches. The cache is what `control` fetch mode pushes to air-gapped hosts.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ToolError } from '../errors.ts';

export function cacheDir(): string {
  return process.env.EKP_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'envoy-k8s-proxy');
}

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  await pipeline(createReadStream(path), h);
  return h.digest('hex');
}

async function size(path: string): Promise<number> {
  return stat(path).then((s) => s.size, () => -1);
}

export interface FetchResult {
  path: string;
  sha256: string;
  downloaded: boolean;
  bytes: number;
}

/**
 * Download url to dest unless dest already has the expected hash. With `expect` undefined the
 * caller trusts the first download (and must show the hash for review).
 */
export async function fetchToCache(url: string, dest: string, expect: string | undefined, timeoutMs = 600_000): Promise<FetchResult> {
  if (expect && (await size(dest)) >= 0 && (await fileSha256(dest)) === expect) {
    return { path: dest, sha256: expect, downloaded: false, bytes: await size(dest) };
  }
  await mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  const have = Math.max(0, await size(partial));
  let res: Response;
  try {
    res = await fetch(url, { headers: have ? { range: `bytes=${have}-` } : {}, signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    throw new ToolError('module', `unable to download ${url}: ${(err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message}`, { cause: err });
  }
  if (res.status !== 200 && res.status !== 206) throw new ToolError('module', `unable to download ${url}: HTTP ${res.status}`);
  if (!res.body) throw new ToolError('module', `unable to download ${url}: empty response`);
  const append = res.status === 206 && have > 0;
  await pipeline(Readable.fromWeb(res.body as never), createWriteStream(partial, { flags: append ? 'a' : 'w' }));
  const got = await fileSha256(partial);
  if (expect && got !== expect) {
    await rm(partial, { force: true });
    throw new ToolError('module', `checksum mismatch for ${url}: expected sha256 ${expect}, got ${got}; the download was deleted and nothing was installed`);
  }
  await rename(partial, dest);
  return { path: dest, sha256: got, downloaded: true, bytes: await size(dest) };
}

/** A local file given in the inventory (air-gapped hosts): verified, never copied. */
export async function verifyLocal(path: string, expect: string): Promise<FetchResult> {
  const got = await fileSha256(path).catch((err: Error) => {
    throw new ToolError('module', `unable to read envoy.localFile ${path}: ${err.message}`);
  });
  if (got !== expect) throw new ToolError('module', `checksum mismatch for ${path}: expected sha256 ${expect}, got ${got}; nothing was installed`);
  return { path, sha256: got, downloaded: false, bytes: await size(path) };
}
