// `admin GET` replies as text: every body line under its host's name, host text made safe to print.
import type { HostReply } from '../ops/admin-get.ts';
import { safeText } from './safe-text.ts';

/** Every line of every body prefixed by the padded host name; errors on their own line. Printable text only. */
export function formatReplies(replies: HostReply[]): string {
  const w = Math.max(...replies.map((r) => r.host.length));
  const lines: string[] = [];
  for (const r of replies) {
    const prefix = r.host.padEnd(w);
    for (const line of r.body.replace(/\n$/, '').split('\n')) if (r.body) lines.push(`${prefix}  ${safeText(line)}`);
    if (r.error) lines.push(`${prefix}  error: ${safeText(r.error)}`);
  }
  return lines.join('\n');
}
