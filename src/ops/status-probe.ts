// What `status` reads from one host, in one round trip: framed probes (src/facts/gather.ts) for the
// unit, the binary's version, the admin endpoints and the config files' hashes. Parsers are pure.
import { posix } from 'node:path';
import { LOADED_STATS_PATH } from './loaded.ts';
import type { Inventory } from '../inventory/types.ts';
import type { FactSpec } from '../facts/types.ts';
import { answered, type AdminReply } from '../facts/admin.ts';
import { unitFact } from '../facts/system.ts';
import { quote } from '../ssh/index.ts';
import { adminGet } from './admin.ts';
import { UNIT_NAME } from '../render/index.ts';

export interface AdminAnswer<T> {
  status: number; // HTTP status, 0 when nothing answered
  value: T | null;
}

export interface ServerInfo {
  version: string; // e.g. 1.35.0
  state: string; // LIVE | DRAINING | PRE_INITIALIZING | INITIALIZING
  uptimeS: number | null;
}

/** A reply's parsed body: of a 2xx answer, or (anyStatus: /ready says DRAINING with a 503) of any answer. */
export function answer<T>(
  r: AdminReply | undefined,
  parse: (body: string) => T | null,
  anyStatus = false,
): AdminAnswer<T> {
  if (!r) return { status: 0, value: null };
  const usable = anyStatus ? r.status > 0 && !r.error : answered(r);
  return { status: r.status, value: usable ? parse(r.body) : null };
}

/** `envoy  version: <sha>/1.35.0/Clean/RELEASE/BoringSSL` (or the bare build string of /server_info) → 1.35.0 */
export function parseEnvoyVersion(text: string): string | null {
  const m = /(?:^|[\s/])[0-9a-f]{7,40}\/(\d+\.\d+\.\d+[^/\s]*)\//.exec(text);
  return m ? m[1]! : null;
}

/** Envoy prints durations as `123s`. */
export function parseServerInfo(body: string): ServerInfo | null {
  try {
    const j = JSON.parse(body) as { version?: string; state?: string; uptime_current_epoch?: string };
    const up = /^(\d+(?:\.\d+)?)s$/.exec(j.uptime_current_epoch ?? '');
    return {
      version: parseEnvoyVersion(j.version ?? '') ?? j.version ?? '?',
      state: j.state ?? '?',
      uptimeS: up ? Math.floor(Number(up[1])) : null,
    };
  } catch {
    return null;
  }
}

/** GET /listeners?format=json → listener names. */
export function parseListeners(body: string): string[] | null {
  try {
    const j = JSON.parse(body) as { listener_statuses?: { name?: string }[] };
    return (j.listener_statuses ?? []).map((l) => l.name ?? '?');
  } catch {
    return null;
  }
}

/** `sha256sum` lines, and `- <path>` for a missing file → path → hash | null. */
export function parseHashes(out: string): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const line of out.split('\n')) {
    const missing = /^- (.+)$/.exec(line);
    const present = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (missing) m.set(missing[1]!, null);
    else if (present) m.set(present[2]!, present[1]!);
  }
  return m;
}

export function statusProbes(inv: Inventory, files: string[]) {
  const envoy = posix.join(inv.paths.installDir, 'current', 'envoy');
  return {
    unit: unitFact(UNIT_NAME),
    binary: {
      key: 'binary',
      script: `${quote(envoy)} --version`,
      parse: (out: string) => parseEnvoyVersion(out),
    } satisfies FactSpec<string | null>,
    admin: adminGet(inv, {
      serverInfo: '/server_info',
      ready: '/ready',
      listeners: '/listeners?format=json',
      clusters: '/clusters',
      loaded: LOADED_STATS_PATH,
    }),
    hashes: {
      key: 'hashes',
      script: `for f in ${files.map(quote).join(' ')}; do if [ -f "$f" ]; then sha256sum "$f"; else echo "- $f"; fi; done`,
      parse: parseHashes,
    } satisfies FactSpec<Map<string, string | null>>,
  };
}
