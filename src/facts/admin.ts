// Envoy's admin API as the host sees it (the listener is on the host's loopback): one curl for any
// number of URLs, each transfer bounded by a timeout, each answer framed by a marker with its HTTP
// status. curl's error lines go to the same stream (--stderr -), so each stays with its transfer.
import { quote } from '../ssh/index.ts';
import type { FactSpec } from './types.ts';

export interface AdminReply {
  status: number; // 0: nothing answered
  body: string;
  /** Why the transfer failed (curl's message), with curl's exit code. */
  error?: string;
  exit?: number;
}

const MARK = '@@ekp-admin';

export function adminScript(urls: string[], o: { method?: 'GET' | 'POST'; timeoutS: number }): string {
  const method = o.method && o.method !== 'GET' ? ` -X ${o.method}` : '';
  return `curl -sS --stderr - --max-time ${o.timeoutS}${method} -w '\\n${MARK} %{http_code}\\n' ${urls.map(quote).join(' ')}`;
}

/** One reply per URL, in order; a transfer that never printed its marker reads as no answer. */
export function parseAdminReplies(out: string, count: number, code: number | null): AdminReply[] {
  const replies: AdminReply[] = [];
  const re = new RegExp(`\\n${MARK} (\\d{3})\\n`, 'g');
  let from = 0;
  for (const m of out.matchAll(re)) {
    replies.push(reply(out.slice(from, m.index), Number(m[1])));
    from = m.index! + m[0].length;
  }
  const none: AdminReply = {
    status: 0,
    body: '',
    error: /curl: \(\d+\) ([^\n]*)/.exec(out.slice(from))?.[1]?.trim() ?? `curl exit code ${code}`,
    exit: code ?? -1,
  };
  while (replies.length < count) replies.push({ ...none });
  return replies.slice(0, count);
}

/** The body as Envoy sent it; curl's `curl: (N) message` line, when there is one, ends the segment. */
function reply(segment: string, status: number): AdminReply {
  const err = /(?:^|\n)curl: \((\d+)\) ([^\n]*)\n?$/.exec(segment);
  if (!err) return { status, body: segment };
  return { status, body: '', error: err[2]!.trim(), exit: Number(err[1]) };
}

/** A 2xx answer from a transfer that completed. */
export function answered(r: AdminReply): boolean {
  return !r.error && r.status >= 200 && r.status < 300;
}

/** GETs of several admin URLs in one probe, keyed by the caller's names. */
export function adminFact<K extends string>(
  urls: Record<K, string>,
  o: { timeoutS: number },
): FactSpec<Record<K, AdminReply>> {
  const names = Object.keys(urls) as K[];
  const list = names.map((n) => urls[n]);
  return {
    // the names are in the key: two readers of the same URLs under other names get their own probe
    key: `admin:${o.timeoutS}:${names.map((n) => `${n}=${urls[n]}`).join(' ')}`,
    script: adminScript(list, o),
    parse(out, code) {
      const replies = parseAdminReplies(out, names.length, code);
      return Object.fromEntries(names.map((n, i) => [n, replies[i]!])) as Record<K, AdminReply>;
    },
  };
}

/** curl's error line as curl printed it (`curl: (7) Failed to connect …`), for messages that quote it. */
export function curlSaid(r: AdminReply): string {
  return r.error === undefined ? '' : r.exit !== undefined && r.exit >= 0 ? `curl: (${r.exit}) ${r.error}` : r.error;
}
