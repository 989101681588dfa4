// What Envoy has loaded versus what is on disk and what the inventory renders, per xDS file: the
// subscription's version_text is the version_info it last accepted, and its update_rejected /
// update_failure counters say it refused something (filesystem_subscription_impl.cc, refresh()).
// A file on disk whose version Envoy does not report was rejected (counters up) or not loaded yet
// (pending: e.g. edited in place, which Envoy ignores: files must be renamed into place).
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { FactSpec } from '../facts/types.ts';
import { quote } from '../ssh/index.ts';
import { renderConfigFiles, subscriptionOf } from '../render/index.ts';

export type LoadedState = 'in-sync' | 'pending' | 'rejected' | 'unknown';

export interface Loaded {
  state: LoadedState;
  /** Files Envoy refused (it serves the version before them). */
  rejected: string[];
  /** Files on disk Envoy has not loaded (and not refused). */
  pending: string[];
  /** Files Envoy loaded but the inventory renders differently (deploy would change them). */
  stale: string[];
}

/** Admin path for the subscriptions' stats (URL-encoded regex). */
export const LOADED_STATS_PATH = `/stats?filter=${encodeURIComponent('(version_text|update_rejected|update_failure)$')}`;

/** The version_info line of each xDS file on disk (`-` for a missing file, empty when it has none). */
export function diskVersionsFact(inv: Inventory, host: HostSpec): FactSpec<Map<string, string | null>> {
  const names = xdsFiles(inv, host).map((f) => f.name);
  const dir = inv.paths.configDir;
  return {
    key: `xds-versions:${dir}`,
    script: `for f in ${names.map((n) => quote(posix.join(dir, n))).join(' ')}; do if [ -f "$f" ]; then printf '%s %s\\n' "\${f##*/}" "$(sed -n 's/^version_info: *//p' "$f" | head -n 1)"; else printf '%s -\\n' "\${f##*/}"; fi; done`,
    parse: (out) => {
      const m = new Map<string, string | null>();
      for (const line of out.split('\n')) {
        const r = /^(\S+) ?(.*)$/.exec(line.trim());
        if (r) m.set(r[1]!, r[2] === '-' ? null : r[2]!.replace(/^["']|["']$/g, ''));
      }
      return m;
    },
  };
}

/** `name: value` and `name: "text"` lines of admin /stats. */
export function parseStatsText(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(': ');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 2).replace(/^"(.*)"$/, '$1'));
  }
  return m;
}

function xdsFiles(inv: Inventory, host: HostSpec) {
  return renderConfigFiles(inv, host).flatMap((f) => {
    const prefix = subscriptionOf(f.name, inv.clusters);
    return prefix ? [{ name: f.name, prefix, rendered: f.version ?? '' }] : [];
  });
}

/** Pure: disk versions and Envoy's stats (undefined: Envoy did not answer) → the loaded state. */
export function judgeLoaded(
  inv: Inventory,
  host: HostSpec,
  disk: Map<string, string | null>,
  stats: Map<string, string> | undefined,
): Loaded {
  const out: Loaded = { state: 'in-sync', rejected: [], pending: [], stale: [] };
  if (!stats) return { ...out, state: 'unknown' };
  for (const f of xdsFiles(inv, host)) {
    const loaded = stats.get(`${f.prefix}.version_text`);
    const onDisk = disk.get(f.name);
    if (onDisk === null || onDisk === undefined || loaded === undefined) continue; // missing: drift says so
    const refused =
      Number(stats.get(`${f.prefix}.update_rejected`) ?? 0) + Number(stats.get(`${f.prefix}.update_failure`) ?? 0);
    if (onDisk !== loaded) (refused > 0 ? out.rejected : out.pending).push(f.name);
    else if (loaded !== f.rendered) out.stale.push(f.name);
  }
  out.state = out.rejected.length ? 'rejected' : out.pending.length ? 'pending' : 'in-sync';
  return out;
}

/** One phrase for status and doctor. */
export function loadedProblem(l: Loaded): string | undefined {
  if (l.state === 'rejected')
    return `Envoy rejected ${l.rejected.join(', ')}: it still serves the version before (update_rejected/update_failure)`;
  if (l.state === 'pending')
    return `Envoy has not loaded ${l.pending.join(', ')} (edited in place? files must be renamed into place)`;
  return undefined;
}
