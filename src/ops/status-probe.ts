// What `status` reads from one host, in one round trip: framed probes (src/facts/gather.ts) for the
// unit, the binary's version, the admin endpoints and the config files' hashes. Parsers are pure.
import { posix } from 'node:path';
import type { Inventory } from '../inventory/types.ts';
import type { FactSpec } from '../facts/types.ts';
import { quote } from '../ssh/index.ts';
import { parseClusters, type EndpointHealth } from './admin.ts';
import { adminUrl } from '../render/index.ts';
import { UNIT_NAME } from '../render/index.ts';
import { systemctlProperties } from '../facts/system.ts';

export interface UnitStatus {
  loadState: string;
  activeState: string;
  subState: string;
  unitFileState: string;
  since: string; // StateChangeTimestamp
  startedAt: string; // ExecMainStartTimestamp
  nRestarts: number;
  mainPid: number;
}

export interface AdminAnswer<T> {
  status: number; // HTTP status, 0 when nothing answered
  value: T | null;
}

export interface ServerInfo {
  version: string; // e.g. 1.35.0
  state: string; // LIVE | DRAINING | PRE_INITIALIZING | INITIALIZING
  uptimeS: number | null;
}

export const UNIT_PROPS = 'LoadState,ActiveState,SubState,UnitFileState,StateChangeTimestamp,ExecMainStartTimestamp,NRestarts,MainPID';

export function parseUnit(out: string): UnitStatus {
  const kv = systemctlProperties(out);
  return {
    loadState: kv.get('LoadState') ?? 'not-found',
    activeState: kv.get('ActiveState') ?? 'unknown',
    subState: kv.get('SubState') ?? '',
    unitFileState: kv.get('UnitFileState') ?? '',
    since: kv.get('StateChangeTimestamp') ?? '',
    startedAt: kv.get('ExecMainStartTimestamp') ?? '',
    nRestarts: Number(kv.get('NRestarts') ?? 0) || 0,
    mainPid: Number(kv.get('MainPID') ?? 0) || 0,
  };
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
    return { version: parseEnvoyVersion(j.version ?? '') ?? j.version ?? '?', state: j.state ?? '?', uptimeS: up ? Math.floor(Number(up[1])) : null };
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

/** curl printing the body, then the status code on its own last line. */
function adminProbe<T>(inv: Inventory, key: string, path: string, parse: (body: string) => T | null, anyStatus = false): FactSpec<AdminAnswer<T>> {
  return {
    key: `admin:${key}`,
    script: `curl -sS --max-time 3 -w '\\n%{http_code}' ${quote(adminUrl(inv, path))}`,
    parse(out) {
      const body = out.replace(/^\n/, '');
      const i = body.lastIndexOf('\n');
      const status = Number(body.slice(i + 1).trim()) || 0;
      return { status, value: anyStatus ? (status ? parse(body.slice(0, Math.max(0, i))) : null) : status >= 200 && status < 300 ? parse(body.slice(0, Math.max(0, i))) : null };
    },
  };
}

export function statusProbes(inv: Inventory, files: string[]) {
  const envoy = posix.join(inv.paths.installDir, 'current', 'envoy');
  return {
    unit: { key: 'unit', script: `systemctl show ${quote(UNIT_NAME)} -p ${UNIT_PROPS}`, parse: parseUnit } satisfies FactSpec<UnitStatus>,
    binary: { key: 'binary', script: `${quote(envoy)} --version`, parse: (out: string) => parseEnvoyVersion(out) } satisfies FactSpec<string | null>,
    serverInfo: adminProbe<ServerInfo>(inv, 'server_info', '/server_info', parseServerInfo),
    ready: adminProbe<string>(inv, 'ready', '/ready', (b) => b.trim(), true),
    listeners: adminProbe<string[]>(inv, 'listeners', '/listeners?format=json', parseListeners),
    clusters: adminProbe<EndpointHealth[]>(inv, 'clusters', '/clusters', parseClusters),
    hashes: {
      key: 'hashes',
      script: `for f in ${files.map(quote).join(' ')}; do if [ -f "$f" ]; then sha256sum "$f"; else echo "- $f"; fi; done`,
      parse: parseHashes,
    } satisfies FactSpec<Map<string, string | null>>,
  };
}
