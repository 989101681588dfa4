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
