// Talking to the proxied API servers through an LB host, the way kubectl does: a TLS connection
// straight through Envoy (passthrough) to a lab apiserver, which names itself in the answer.
import { connect } from 'node:tls';

export function throughLb(address: string, port: number, path = '/version', timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port, rejectUnauthorized: false, servername: 'kubernetes' });
    let body = '';
    const timer = setTimeout(() => (s.destroy(), reject(new Error(`timeout through ${address}:${port}`))), timeoutMs);
    s.on('secureConnect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: kubernetes\r\nConnection: close\r\n\r\n`));
    s.on('data', (d: Buffer) => (body += d));
    s.on('end', () => (clearTimeout(timer), resolve(body)));
    s.on('error', (e) => (clearTimeout(timer), reject(e)));
  });
}

/** Which apiserver answered (e.g. "apiserver-16443"). */
export async function servedBy(address: string, port: number): Promise<string> {
  const body = await throughLb(address, port, '/whoami');
  const m = /apiserver-(\d+)/.exec(body);
  if (!m) throw new Error(`unexpected answer through ${address}:${port}: ${body.slice(0, 200)}`);
  return m[0];
}

/** How a long-lived connection ended: `fin` (end, then close), `reset`/other error, or `hang`. */
export type End = 'fin' | 'hang' | string;

/** A watch-like connection: a keep-alive request every 500 ms; resolves with how it ended. */
export function watch(address: string, stop: () => boolean): Promise<End | undefined> {
  return new Promise((resolve) => {
    let tick: NodeJS.Timeout | undefined;
    let answered = Date.now();
    let connected = false;
    const s = connect({ host: address, port: 6443, rejectUnauthorized: false, servername: 'kubernetes' }, () => {
      connected = true;
      tick = setInterval(() => {
        if (stop()) return done('open at the end');
        // An answer a second and a half late on a live connection is a hang, not a slow apiserver.
        if (Date.now() - answered > 1500) return done('hang');
        s.write('GET /watch HTTP/1.1\r\nHost: kubernetes\r\n\r\n');
      }, 500);
    });
    // undefined: it never connected (the host is restarting), nothing to count
    const done = (how: End) => (clearInterval(tick), s.destroy(), resolve(connected ? how : undefined));
    s.on('data', () => (answered = Date.now()));
    s.on('end', () => done('fin'));
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}
