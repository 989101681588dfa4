// The endpoint probe's output: a TCP connect by bash /dev/tcp, then one curl for TLS and /readyz.
// Both are printed by probes.ts with markers; curl's -w gives the timings.

export interface TcpResult {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface HttpResult {
  /** curl's exit code: 0 fine, 7 connect, 28 timeout, 35 TLS handshake, ... */
  exit: number;
  status: number; // 0 when no HTTP answer
  connectMs: number;
  /** TLS handshake time; undefined when the handshake did not complete. */
  tlsMs?: number;
  totalMs: number;
  body: string;
  error?: string;
}

export interface EndpointProbe {
  /** undefined when bash is missing on the host (the curl result still says it all). */
  tcp?: TcpResult;
  http?: HttpResult;
}

/** `@@tcp <rc> <ms>` then bash's error lines. */
export function parseTcp(block: string, timeoutS: number): TcpResult | undefined {
  const m = /^@@tcp (\d+) (-?\d+)\n?([\s\S]*)$/.exec(block.trim());
  if (!m) return undefined;
  const rc = Number(m[1]);
  const ms = Math.max(0, Number(m[2]));
  if (rc === 0) return { ok: true, ms };
  if (rc === 127) return undefined; // no bash
  if (rc === 124) return { ok: false, ms, error: `timed out after ${timeoutS} s` };
  return { ok: false, ms, error: bashReason(m[3] ?? '') || `exit code ${rc}` };
}

/** `bash: line 1: /dev/tcp/10.0.0.1/6443: Connection refused` → `Connection refused`. */
export function bashReason(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  const i = last.lastIndexOf(': ');
  return i >= 0 ? last.slice(i + 2) : last;
}

/** Body, then `@@w <code> <connect> <appconnect> <total>` (seconds), curl's error, `@@rc <exit>`. */
export function parseHttp(block: string): HttpResult | undefined {
  const w = /(?:^|\n)@@w (\d{3}) ([\d.]+) ([\d.]+) ([\d.]+)/.exec(block);
  const rc = /(?:^|\n)@@rc (\d+)/.exec(block);
  if (!w || !rc) return undefined;
  const ms = (s: string) => Math.round(Number(s) * 1000);
  const connect = Number(w[2]);
  const app = Number(w[3]);
  const err = /curl: \(\d+\) (.*)/.exec(block);
  const res: HttpResult = {
    exit: Number(rc[1]),
    status: Number(w[1]),
    connectMs: ms(w[2]!),
    totalMs: ms(w[4]!),
    body: block
      .slice(0, w.index)
      .replace(/curl: \(\d+\) .*\n?/, '')
      .trim()
      .slice(0, 200),
  };
  if (app > 0) res.tlsMs = Math.max(0, Math.round((app - connect) * 1000));
  if (err) res.error = err[1]!.trim();
  return res;
}

/** The two blocks of one endpoint probe, split on `@@curl`. */
export function parseEndpointProbe(out: string, timeoutS: number): EndpointProbe {
  const i = out.indexOf('@@curl');
  const tcpPart = i >= 0 ? out.slice(0, i) : out;
  const httpPart = i >= 0 ? out.slice(i + '@@curl'.length) : '';
  const probe: EndpointProbe = {};
  const tcp = parseTcp(tcpPart, timeoutS);
  const http = parseHttp(httpPart);
  if (tcp) probe.tcp = tcp;
  if (http) probe.http = http;
  return probe;
}
