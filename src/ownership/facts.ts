// Read-only probes for ownership: the manifest (and whether only root can write it), each managed
// directory (what is there, where it really leads, what it holds) and each rendered file's first line.
import type { Inventory } from '../inventory/types.ts';
import { STATE_DIR } from '../inventory/dedicated.ts';
import { groupFact, userFact, type UserFact } from '../facts/system.ts';
import type { FactSpec, Facts } from '../facts/types.ts';
import { dirListing } from '../facts/batch.ts';
import { quote } from '../ssh/index.ts';
import { FILE_PATHS, MANIFEST_PATH, parseManifest, type FileRole, type Manifest } from './manifest.ts';
import { VIP_METRIC_FILE, vipMetricPath } from '../render/vip-metric.ts';

export type ManifestFact =
  { state: 'absent' } | { state: 'present'; manifest: Manifest; text: string } | { state: 'untrusted'; reason: string };

export const manifestFact: FactSpec<ManifestFact> = {
  key: 'ownership:manifest',
  script:
    `d=${quote(STATE_DIR)}; m=${quote(MANIFEST_PATH)}; ` +
    `if [ -L "$d" ] || [ -L "$m" ]; then echo link; ` +
    `elif [ -e "$m" ]; then echo present; stat -c '%F %U %a' -- "$d" "$m"; head -c 65536 -- "$m"; else echo absent; fi`,
  inline: true,
  parse(out) {
    const lines = out.replace(/^\n+/, '').split('\n');
    if (lines[0] === 'absent') return { state: 'absent' };
    if (lines[0] !== 'present') return { state: 'untrusted', reason: `${STATE_DIR} or the manifest is a symlink` };
    const [dir, file] = [lines[1] ?? '', lines[2] ?? ''].map((l) => l.split(' '));
    // a manifest anyone but root could have written could name any path for uninstall to delete
    const rootOnly = (s: string[] | undefined, type: string, mask: number) =>
      s?.[0] === type && s[s.length - 2] === 'root' && (parseInt(s.at(-1)!, 8) & mask) === 0;
    if (!rootOnly(dir, 'directory', 0o077) || !rootOnly(file, 'regular', 0o022)) {
      return {
        state: 'untrusted',
        reason: `${STATE_DIR} (${lines[1]}) or the manifest (${lines[2]}) is not root-only`,
      };
    }
    const text = lines.slice(3).join('\n');
    const m = parseManifest(text);
    return 'error' in m
      ? { state: 'untrusted', reason: `${MANIFEST_PATH}: ${m.error}` }
      : { state: 'present', manifest: m, text };
  },
};

export type DirFact =
  | { real: string; type: 'absent' | 'link' | 'other' }
  | { real: string; type: 'directory'; mode: number; owner: string; group: string; entries: string[] };

export function dirFact(path: string): FactSpec<DirFact> {
  const p = quote(path);
  const listing = dirListing(p);
  return {
    key: `ownership:dir:${path}`,
    // the listing with the owner and mode on the third line; batched, one stat serves every directory
    script: listing.replace('echo directory;', `echo directory; stat -c '%a %U %G' -- ${p};`),
    batch: { kind: 'dir', arg: path },
    parse(out) {
      const [real = path, type = 'absent', stat = '', ...entries] = out.replace(/^\n+/, '').split('\n');
      if (type !== 'directory') return { real, type: type === 'link' || type === 'other' ? type : 'absent' };
      const [mode = '0', owner = '', group = ''] = stat.split(' ');
      return { real, type, mode: parseInt(mode, 8), owner, group, entries: entries.filter(Boolean) };
    },
  };
}

export type FileFact = { type: 'absent' | 'link' | 'other' } | { type: 'file'; firstLine: string };

/** What is at a rendered file's path; its first line carries the tool's header when the tool wrote it. */
export function fileFact(role: FileRole): FactSpec<FileFact> {
  return {
    key: `ownership:${role}`,
    // the builtin read, and printf's precision for head -c: no process
    script: `f=${quote(FILE_PATHS[role])}; if [ -L "$f" ]; then echo link; elif [ -f "$f" ]; then echo file; IFS= read -r l < "$f"; printf '%.200s' "$l"; elif [ -e "$f" ]; then echo other; else echo absent; fi`,
    inline: true,
    parse(out) {
      const [type = 'absent', firstLine = ''] = out.replace(/^\n+/, '').split('\n');
      if (type === 'file') return { type, firstLine };
      return { type: type === 'link' || type === 'other' ? type : 'absent' };
    },
  };
}

/**
 * ours: a file holding the tool's VIP metric; foreign: any other file; link/other: not a regular
 * file; nodir: not even its directory (no node_exporter): nothing is written there, nothing claimed.
 */
export type VipMetricState = 'absent' | 'nodir' | 'ours' | 'foreign' | 'link' | 'other';

/**
 * The VIP state files: the inventory's path and every one the manifest records (an earlier
 * vip.textfileDir, or a VIP since removed from the inventory), read in the same round trip.
 */
export function vipMetricFact(inv: Inventory): FactSpec<Map<string, VipMetricState>> {
  const want = vipMetricPath(inv);
  const m = quote(MANIFEST_PATH);
  return {
    key: `ownership:vip-metric${want ? `:${want}` : ''}`,
    // the manifest is scanned by builtins (it is written one key per line: serializeManifest); a
    // path read twice is one entry of the parsed map
    script:
      `set -- ${want ? quote(want) : ''}; if [ -f ${m} ]; then while IFS= read -r l; do case $l in ` +
      `*'"path": "/'*'/${VIP_METRIC_FILE}"'*) l=\${l#*'"path": "'}; set -- "$@" "\${l%%'"'*}" ;; esac; done < ${m}; fi; ` +
      // a file that is there is read by grep: a large foreign one would take dash's byte-wise read long
      `for p; do if [ -L "$p" ]; then s=link; elif [ -f "$p" ]; then ` +
      `if grep -q '^envoy_k8s_proxy_vip_master{' "$p"; then s=ours; else s=foreign; fi; ` +
      `elif [ -e "$p" ]; then s=other; elif [ -d "\${p%/*}" ]; then s=absent; else s=nodir; fi; echo "$s $p"; done`,
    inline: true,
    parse(out) {
      const states = new Map<string, VipMetricState>();
      for (const line of out.split('\n')) {
        const m = /^(absent|nodir|ours|foreign|link|other) (\/\S+)$/.exec(line.trim());
        if (m) states.set(m[2]!, m[1] as VipMetricState);
      }
      return states;
    },
  };
}

export interface HostState {
  manifest: ManifestFact;
  dirs: { installDir: DirFact; configDir: DirFact; logDir: DirFact };
  files: Record<FileRole, FileFact>;
  user: UserFact;
  group: { exists: boolean; gid?: number };
  /** By path; a path not read (absent from the map) is checked by the removal's own shell test. */
  vipMetrics?: Map<string, VipMetricState>;
}

export function ownershipFacts(inv: Inventory): FactSpec<unknown>[] {
  const { installDir, configDir, logDir, user, group } = inv.paths;
  return [
    manifestFact,
    dirFact(installDir),
    dirFact(configDir),
    dirFact(logDir),
    fileFact('unit'),
    fileFact('logrotate'),
    fileFact('keepalived'),
    fileFact('vipStopHook'),
    vipMetricFact(inv),
    fileFact('vipArp'),
    userFact(user),
    groupFact(group),
  ];
}

export function hostState(inv: Inventory, facts: Facts): HostState {
  const { installDir, configDir, logDir, user, group } = inv.paths;
  return {
    manifest: facts.get(manifestFact),
    dirs: {
      installDir: facts.get(dirFact(installDir)),
      configDir: facts.get(dirFact(configDir)),
      logDir: facts.get(dirFact(logDir)),
    },
    files: {
      unit: facts.get(fileFact('unit')),
      logrotate: facts.get(fileFact('logrotate')),
      keepalived: facts.get(fileFact('keepalived')),
      vipStopHook: facts.get(fileFact('vipStopHook')),
      vipArp: facts.get(fileFact('vipArp')),
    },
    user: facts.get(userFact(user)),
    group: facts.get(groupFact(group)),
    vipMetrics: facts.get(vipMetricFact(inv)),
  };
}
