// A minimal GET over node:http/https with redirects, for release downloads. Node's global fetch
// (undici) costs ~40 MiB of resident memory in the control process for the same job.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpResponse {
  status: number;
  headers: IncomingMessage['headers'];
  body: IncomingMessage;
}

/** GET url, following up to maxRedirects redirects with the same headers (a Range survives), never from https to http. */
export function httpGet(
  url: string,
  o: { headers?: Record<string, string>; signal?: AbortSignal; maxRedirects?: number } = {},
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return reject(new Error(`invalid URL ${url}`));
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
      return reject(new Error(`unsupported protocol ${target.protocol}`));
    const req = (target.protocol === 'https:' ? httpsRequest : httpRequest)(
      target,
      { method: 'GET', headers: o.headers, signal: o.signal },
      (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location) {
          res.resume();
          if ((o.maxRedirects ?? 5) <= 0) return reject(new Error('too many redirects'));
          const next = new URL(location, target);
          // TLS once means TLS to the end: a redirect to plain http would let anyone on the path answer.
          if (target.protocol === 'https:' && next.protocol !== 'https:') {
            return reject(
              new Error(
                `refusing the redirect from ${target.href} to ${next.href}: a downgrade from https to ${next.protocol.slice(0, -1)}`,
              ),
            );
          }
          return resolve(httpGet(next.toString(), { ...o, maxRedirects: (o.maxRedirects ?? 5) - 1 }));
        }
        resolve({ status, headers: res.headers, body: res });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Drop a response body we will not read. */
export function discard(res: HttpResponse): void {
  res.body.destroy();
}
