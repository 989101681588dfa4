// What uninstall removes (pure): only what the tool owns (manifest, or a pre-manifest deploy's
// layout), only while it is still what the tool made (a real directory, a regular file at a
// rendered file's path, a non-root account), and what stays is reported and kept in the manifest.
import type { Inventory } from '../inventory/types.ts';
import type { Step } from '../runner/types.ts';
import { VIP_ARP_RESET } from '../render/vip-arp.ts';
import { RELEASE_FILE } from '../render/keepalived.ts';
import { quote } from '../ssh/index.ts';
import { currentOwnership, DIR_ROLES } from './claims.ts';
import type { HostState } from './facts.ts';
import {
  FILE_PATHS,
  FILE_ROLES,
  emptyManifest,
  isFileRole,
  type Manifest,
  type PathEntry,
  type PathRole,
} from './manifest.ts';
import { posix } from 'node:path';
import { VIP_METRIC_TEMP } from '../render/vip-metric.ts';

export type Part = PathRole | 'accounts';

export interface PartPlan {
  steps: Step[];
  /** What was left alone, and why. */
  kept: string[];
}

export interface UninstallDecision {
  parts: Record<Part, PartPlan>;
  /** The manifest once the removals ran: what the tool still owns on the host. */
  remaining: Manifest;
}

const FOREIGN = 'not created by envoy-k8s-proxy: left alone';

export function decideUninstall(
  inv: Inventory,
  s: HostState,
  purge: boolean,
): UninstallDecision | { untrusted: string } {
  const cur = currentOwnership(inv, s);
  if ('untrusted' in cur) return cur;
  const parts = {
    unit: part(),
    logrotate: part(),
    keepalived: part(),
    vipStopHook: part(),
    vipArp: part(),
    installDir: part(),
    configDir: part(),
    logDir: part(),
    vipMetric: part(),
    accounts: part(),
  } satisfies Record<Part, PartPlan>;
  const remaining = emptyManifest();
  const removing = (role: PathRole) => role !== 'logDir' || purge;

  for (const e of cur.owned.paths) {
    if (!removing(e.role)) {
      remaining.paths.push(e);
      continue;
    }
    if (e.role === 'vipMetric') {
      removeVipMetric(e, s, parts.vipMetric, remaining);
      continue;
    }
    const known = isFileRole(e.role)
      ? s.files[e.role].type
      : e.path === inv.paths[e.role]
        ? s.dirs[e.role].type
        : undefined;
    const want = isFileRole(e.role) ? 'file' : 'directory';
    if (known === 'absent') continue;
    if (known !== undefined && known !== want) {
      parts[e.role].kept.push(
        `${e.path}: now a ${known === 'link' ? 'symlink' : known}, not the ${want} the tool made: left alone`,
      );
      remaining.paths.push(e);
      continue;
    }
    // a path from an earlier inventory has no fact: the shell checks it is still a real one
    const test = want === 'file' ? '-f' : '-d';
    const p = quote(e.path);
    parts[e.role].steps.push({
      kind: 'exec',
      action: `remove ${e.path}`,
      command: known ? ['rm', '-rf', '--', e.path] : `if [ ${test} ${p} ] && [ ! -L ${p} ]; then rm -rf -- ${p}; fi`,
    });
    // keepalived's track file (its init_file) is none of the host's business once keepalived is gone
    if (e.role === 'keepalived')
      parts.keepalived.steps.push({
        kind: 'exec',
        action: `remove ${RELEASE_FILE}`,
        command: ['rm', '-f', '--', RELEASE_FILE],
      });
    // the .d directory the deploy made goes once empty; systemd keeps a removed drop-in until it reloads
    if (e.role === 'vipStopHook')
      parts.vipStopHook.steps.push({
        kind: 'exec',
        action: 'reload systemd',
        command: `rmdir ${quote(posix.dirname(e.path))} 2>/dev/null || true; systemctl daemon-reload`,
      });
    // the file only applies at boot: the running kernel keeps its values until told otherwise
    if (e.role === 'vipArp')
      parts.vipArp.steps.push({
        kind: 'exec',
        action: 'ARP sysctls back to the host defaults',
        command: VIP_ARP_RESET,
      });
  }
  for (const role of DIR_ROLES) {
    const d = s.dirs[role];
    if (removing(role) && d.type !== 'absent' && !cur.owned.paths.some((e) => e.path === inv.paths[role]))
      parts[role].kept.push(`${inv.paths[role]}: ${FOREIGN}`);
  }
  for (const role of FILE_ROLES) {
    if (s.files[role].type !== 'absent' && !cur.owned.paths.some((e) => e.role === role))
      parts[role].kept.push(`${FILE_PATHS[role]}: ${FOREIGN}`);
  }

  if (!purge) {
    remaining.users.push(...cur.owned.users);
    remaining.groups.push(...cur.owned.groups);
    return { parts, remaining };
  }
  const { user, group } = inv.paths;
  for (const e of cur.owned.users) {
    if (e.name === user && !s.user.exists) continue;
    if (e.name === user && s.user.exists && s.user.uid === 0) {
      parts.accounts.kept.push(`user ${user}: now uid 0: left alone`);
      remaining.users.push(e);
      continue;
    }
    const n = quote(e.name);
    parts.accounts.steps.push({
      kind: 'exec',
      action: `remove user ${e.name}`,
      command: `if u=$(id -u ${n} 2>/dev/null) && [ "$u" -ne 0 ]; then userdel ${n}; fi`,
    });
  }
  for (const e of cur.owned.groups) {
    if (e.name === group && !s.group.exists) continue;
    const n = quote(e.name);
    parts.accounts.steps.push({
      kind: 'exec',
      action: `remove group ${e.name}`,
      command: `if g=$(getent group ${n} | cut -d: -f3) && [ -n "$g" ] && [ "$g" -ne 0 ]; then groupdel ${n}; fi`,
    });
  }
  if (s.user.exists && !cur.owned.users.some((e) => e.name === user))
    parts.accounts.kept.push(`user ${user}: ${FOREIGN}`);
  if (s.group.exists && !cur.owned.groups.some((e) => e.name === group))
    parts.accounts.kept.push(`group ${group}: ${FOREIGN}`);
  return { parts, remaining };
}

const part = (): PartPlan => ({ steps: [], kept: [] });

/** The VIP state file, and a temp file a killed notify left beside it; a file now foreign stays. */
function removeVipMetric(e: PathEntry, s: HostState, into: PartPlan, remaining: Manifest): void {
  const state = s.vipMetrics?.get(e.path);
  if (state === 'absent' || state === 'nodir') return;
  if (state === 'foreign' || state === 'link' || state === 'other') {
    into.kept.push(`${e.path}: no longer the tool's VIP state file: left alone`);
    remaining.paths.push(e);
    return;
  }
  const p = quote(e.path);
  const temps = `${quote(posix.dirname(e.path))}/${quote(VIP_METRIC_TEMP)}??????`;
  into.steps.push({
    kind: 'exec',
    action: `remove ${e.path}`,
    command: `if [ -f ${p} ] && [ ! -L ${p} ]; then rm -f -- ${p}; fi; rm -f -- ${temps}`,
  });
}
