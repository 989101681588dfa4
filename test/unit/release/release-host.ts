// A stand-in release host for tests: node:http (or node:https with a throwaway self-signed
// certificate) on 127.0.0.1, a free port, laid out like GitHub's release downloads
// (/v<version>/<asset>), with Range, redirects and scripted failures.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface Tls {
  key: string;
  cert: string;
  /** The certificate's file: what curl is told to trust (CURL_CA_BUNDLE). */
  certFile: string;
}

/** A key and self-signed certificate for 127.0.0.1, valid for a day, written to dir by openssl. */
export function selfSignedCert(dir: string): Tls {
  const key = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      certFile,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

export interface SeenRequest {
  path: string;
  range?: string;
}

export class ReleaseHost {
  readonly files = new Map<string, Buffer | string>();
  /** path → location (302). */
  readonly redirects = new Map<string, string>();
  readonly requests: SeenRequest[] = [];
  /** Answer every request with 200 and the whole file, as servers without Range support do. */
  ignoreRange = false;
  /** Send this many body bytes of the next binary response (not checksums), then cut the connection (once). */
  cutAfter?: number;
  /** Send this many body bytes of the next binary response, then go silent (once). */
  stallAfter?: number;
  /** Answer Range requests with 416 (once). */
  rangeNotSatisfiable = false;
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Back to serving exactly `files`, with no faults armed and no requests seen. */
  reset(files: Record<string, Buffer | string>): void {
    this.files.clear();
    this.redirects.clear();
    this.requests.length = 0;
    this.ignoreRange = false;
    this.cutAfter = undefined;
    this.stallAfter = undefined;
    this.rangeNotSatisfiable = false;
    for (const [path, body] of Object.entries(files)) this.files.set(path, body);
  }

  static async start(o: { tls?: Tls } = {}): Promise<ReleaseHost> {
    const server = o.tls ? createTlsServer({ key: o.tls.key, cert: o.tls.cert }) : createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = new ReleaseHost(
      server,
      `${o.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    );
    server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', host.url).pathname;
      host.requests.push({ path, range: req.headers.range });
      const to = host.redirects.get(path);
      if (to) {
        res.writeHead(302, { location: to }).end();
        return;
      }
      const body = host.files.get(path);
      if (body === undefined) {
        res.writeHead(404).end('not found');
        return;
      }
      const buf = Buffer.from(body);
      let start = 0;
      const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
      if (m && !host.ignoreRange) {
        start = Number(m[1]);
        if (host.rangeNotSatisfiable || start >= buf.length) {
          host.rangeNotSatisfiable = false;
          res.writeHead(416, { 'content-range': `bytes */${buf.length}` }).end();
          return;
        }
        res.writeHead(206, {
          'content-range': `bytes ${start}-${buf.length - 1}/${buf.length}`,
          'content-length': buf.length - start,
        });
      } else {
        res.writeHead(200, { 'content-length': buf.length });
      }
      const rest = buf.subarray(start);
      const binary = !path.endsWith('.asc');
      if (binary && host.cutAfter !== undefined) {
        const n = host.cutAfter;
        host.cutAfter = undefined;
        // Give the client time to take the bytes before the cut, so the test is not timing-dependent.
        res.write(rest.subarray(0, n), () => setTimeout(() => res.destroy(), 100));
        return;
      }
      if (binary && host.stallAfter !== undefined) {
        const n = host.stallAfter;
        host.stallAfter = undefined;
        res.write(rest.subarray(0, n));
        return;
      }
      res.end(rest);
    });
    return host;
  }

  /** Requests for anything but checksums.txt.asc. */
  binaryRequests(): SeenRequest[] {
    return this.requests.filter((r) => !r.path.endsWith('/checksums.txt.asc'));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Bytes that stand in for an Envoy binary: made here, never a real release. */
export function standIn(label: string, kib = 64): Buffer {
  return Buffer.from(`stand-in envoy ${label}\n`.repeat(Math.ceil((kib * 1024) / (label.length + 16)))).subarray(
    0,
    kib * 1024,
  );
}

/** checksums.txt as `<sha256>  <path>` lines (only the path's last segment is matched). */
export function checksumsText(entries: Record<string, Buffer>): string {
  return Object.entries(entries)
    .map(([name, b]) => `${sha256(b)}  release/${name}\n`)
    .join('');
}
