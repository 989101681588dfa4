// Who owns what on a host, decided from its facts (pure). The manifest says what the tool created.
// A host deployed before the manifest existed has none: there, the unit file the tool rendered is
// the evidence of a deploy, and each item that matches the tool's own layout exactly is counted as
// the tool's ("migrated"); anything else stays foreign. A rendered file (unit, logrotate rule) at
// its fixed path that starts with the tool's header is the tool's even when a manifest older than
// that file's role does not list it. Deploy refuses foreign items; uninstall leaves them alone.
import type { Inventory } from '../inventory/types.ts';
import type { UserFact } from '../facts/system.ts';
import type { DirFact, FileFact, HostState } from './facts.ts';
import {
  FILE_PATHS,
  FILE_ROLES,
  MANIFEST_PATH,
  VIP_FILE_ROLES,
  emptyManifest,
  type DirRole,
  type Manifest,
} from './manifest.ts';
import { systemLocation } from '../inventory/dedicated.ts';
import { vipMetricPath } from '../render/vip-metric.ts';

const HEADER = '# Rendered by envoy-k8s-proxy for ';
const NOLOGIN = new Set(['/usr/sbin/nologin', '/sbin/nologin', '/bin/false', '/usr/bin/false']);
export const DIR_ROLES: readonly DirRole[] = ['installDir', 'configDir', 'logDir'];

/** Names the tool itself puts in each directory; `.…ekp…` are its temp files. */
const LAYOUT: Record<DirRole, RegExp> = {
  installDir: /^(releases|current|previous)$/,
  configDir: /^(((envoy|lds|cds)|eds_[A-Za-z0-9_-]+)\.yaml|vip-notify\.sh)$/,
  logDir: /^[A-Za-z0-9_.+=,@:-]+\.log(\.\d+)?(\.gz)?$/,
};

/** What the tool owns on the host now: the manifest, or what a pre-manifest deploy left. */
export function currentOwnership(
  inv: Inventory,
  s: HostState,
): { owned: Manifest; migrated: boolean } | { untrusted: string } {
  if (s.manifest.state === 'untrusted') return { untrusted: s.manifest.reason };
  const m = s.manifest.state === 'present' ? s.manifest.manifest : undefined;
  // a copy: the fact's manifest is shared by every task of the run
  const cur = m
    ? { owned: { paths: [...m.paths], users: [...m.users], groups: [...m.groups] }, migrated: false }
    : preManifest(inv, s);
  for (const role of FILE_ROLES) {
    if (!cur.owned.paths.some((e) => e.role === role) && rendered(s.files[role]))
      cur.owned.paths.push({ role, path: FILE_PATHS[role], origin: 'migrated' });
  }
  return cur;
}

const rendered = (f: FileFact) => f.type === 'file' && f.firstLine.startsWith(HEADER);

function preManifest(inv: Inventory, s: HostState): { owned: Manifest; migrated: boolean } {
  const owned = emptyManifest();
  if (!rendered(s.files.unit)) return { owned, migrated: false };
  for (const role of DIR_ROLES) {
    if (!layoutMismatch(inv, role, s.dirs[role])) owned.paths.push({ role, path: inv.paths[role], origin: 'migrated' });
  }
  if (s.user.exists && !userMismatch(s.user)) owned.users.push({ name: inv.paths.user, origin: 'migrated' });
  if (s.group.exists && !groupMismatch(s)) owned.groups.push({ name: inv.paths.group, origin: 'migrated' });
  return { owned, migrated: true };
}

/** Why an existing directory is not the tool's layout, or undefined when it is. */
export function layoutMismatch(inv: Inventory, role: DirRole, d: DirFact): string | undefined {
  if (d.type !== 'directory')
    return d.type === 'absent' ? 'absent' : `a ${d.type === 'link' ? 'symlink' : 'special file'}`;
  const owner = role === 'logDir' ? inv.paths.user : 'root';
  if (d.owner !== owner) return `owned by ${d.owner}, not ${owner}`;
  const foreign = d.entries.filter((n) => !LAYOUT[role].test(n) && !(n.startsWith('.') && n.includes('ekp')));
  return foreign.length ? `holds ${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}` : undefined;
}

/** The tool's accounts are system accounts without a login shell, never uid 0. */
export function userMismatch(u: Extract<UserFact, { exists: true }>): string | undefined {
  if (u.uid === 0) return 'uid 0';
  if (!NOLOGIN.has(u.shell)) return `login shell ${u.shell || '(default)'}`;
  if (u.uid >= 1000) return `uid ${u.uid}, a regular user`;
  return undefined;
}

function groupMismatch(s: HostState): string | undefined {
  if (s.group.gid === 0) return 'gid 0';
  if (s.user.exists && s.user.gid !== s.group.gid) return 'not the primary group of the service user';
  return undefined;
}

export interface DeployClaim {
  /** The manifest to write before anything is created: what is owned plus what this run creates. */
  next: Manifest;
  refusals: string[];
  migrated: boolean;
}

/** Deploy: take what is absent, keep what is ours, refuse everything else before any change. */
export function claimForDeploy(inv: Inventory, s: HostState): DeployClaim | { untrusted: string } {
  const cur = currentOwnership(inv, s);
  if ('untrusted' in cur) return cur;
  const next: Manifest = { paths: [...cur.owned.paths], users: [...cur.owned.users], groups: [...cur.owned.groups] };
  const refusals: string[] = [];
  const notOurs = `is not recorded in ${MANIFEST_PATH}`;
  for (const role of DIR_ROLES) {
    const path = inv.paths[role];
    const d = s.dirs[role];
    const escape = systemLocation(d.real);
    if (escape) refusals.push(`${path} resolves to ${d.real} (${escape})`);
    const mine = next.paths.some((e) => e.path === path);
    if (mine && !escape && d.type !== 'directory' && d.type !== 'absent')
      refusals.push(
        `${path} was created by envoy-k8s-proxy but is now a ${d.type === 'link' ? 'symlink' : 'special file'}`,
      );
    if (mine || escape) continue;
    if (d.type === 'absent') next.paths.push({ role, path, origin: 'created' });
    else
      refusals.push(
        `${path} already exists and ${notOurs}${cur.migrated ? ` (and does not match the tool's layout: ${layoutMismatch(inv, role, d)})` : ''}`,
      );
  }
  for (const role of FILE_ROLES) {
    if (next.paths.some((e) => e.role === role)) continue;
    // the VIP's files are the tool's business only with a VIP
    if (!inv.vip && (VIP_FILE_ROLES as readonly string[]).includes(role)) continue;
    if (s.files[role].type === 'absent') next.paths.push({ role, path: FILE_PATHS[role], origin: 'created' });
    else refusals.push(`${FILE_PATHS[role]} already exists and was not rendered by envoy-k8s-proxy`);
  }
  const metric = vipMetricPath(inv);
  if (metric && !next.paths.some((e) => e.role === 'vipMetric' && e.path === metric)) {
    const state = s.vipMetrics?.get(metric) ?? 'absent';
    // the VIP state file holds nothing but the tool's metric: one found there is an earlier deploy's
    if (state === 'absent' || state === 'ours')
      next.paths.push({ role: 'vipMetric', path: metric, origin: state === 'absent' ? 'created' : 'migrated' });
    // nodir: no textfile directory, the role writes nothing there; recorded once one appears
    else if (state !== 'nodir') refusals.push(`${metric} already exists and was not written by envoy-k8s-proxy`);
  }
  const { user, group } = inv.paths;
  const userIsMine = next.users.some((e) => e.name === user);
  if (s.user.exists) {
    const odd = userMismatch(s.user);
    if (!userIsMine)
      refusals.push(
        `user ${user} already exists (uid ${s.user.uid}, shell ${s.user.shell || '(default)'}) and ${notOurs}: the tool does not take over accounts`,
      );
    else if (odd) refusals.push(`user ${user} was created by envoy-k8s-proxy but now has ${odd}`);
  } else if (!userIsMine) next.users.push({ name: user, origin: 'created' });
  const groupIsMine = next.groups.some((e) => e.name === group);
  if (s.group.exists && !groupIsMine)
    refusals.push(`group ${group} already exists (gid ${s.group.gid}) and ${notOurs}`);
  else if (!s.group.exists && !groupIsMine) next.groups.push({ name: group, origin: 'created' });
  return { next, refusals, migrated: cur.migrated };
}
