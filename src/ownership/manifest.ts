// The manifest: what envoy-k8s-proxy created on a host (directories, the unit file, the logrotate
// rule, keepalived.conf and its stop hook, the VIP's ARP sysctls and the VIP state file when the inventory has a VIP, the service account), kept root-only on that host. Uninstall removes only what it lists; deploy refuses to
// take over anything that exists and is not in it. Its text is read back from the host, so it is
// checked like input: a path or name that the inventory rules would refuse is refused here too.
import { posix } from 'node:path';
import { STATE_DIR, UNIT_DIR, reservedAccount, systemLocation } from '../inventory/dedicated.ts';
import { UNIX_NAME, isSafeAbsolutePath } from '../inventory/formats.ts';
import { LOGROTATE_PATH } from '../render/logrotate.ts';
import { KEEPALIVED_PATH } from '../render/keepalived.ts';
import { VIP_METRIC_FILE, VIP_STOP_HOOK_PATH } from '../render/vip-metric.ts';
import { VIP_ARP_PATH } from '../render/vip-arp.ts';
import { UNIT_NAME } from '../render/unit.ts';

export const MANIFEST_PATH = posix.join(STATE_DIR, 'manifest.json');
export const UNIT_FILE = posix.join(UNIT_DIR, UNIT_NAME);
const TOOL = 'envoy-k8s-proxy';

// vipMetric: keepalived's VIP state file in node_exporter's textfile directory (vip.textfileDir)
export const PATH_ROLES = [
  'installDir',
  'configDir',
  'logDir',
  'unit',
  'logrotate',
  'keepalived',
  'vipStopHook',
  'vipArp',
  'vipMetric',
] as const;
export type PathRole = (typeof PATH_ROLES)[number];
/** Files the tool renders, each at one fixed path: a manifest naming any other path is refused. */
export const FILE_PATHS = {
  unit: UNIT_FILE,
  logrotate: LOGROTATE_PATH,
  keepalived: KEEPALIVED_PATH,
  vipStopHook: VIP_STOP_HOOK_PATH,
  vipArp: VIP_ARP_PATH,
} as const;
export type FileRole = keyof typeof FILE_PATHS;
/** The files that exist only for the inventory's VIP: keepalived.conf, its stop hook, the ARP rules. */
export const VIP_FILE_ROLES = ['keepalived', 'vipStopHook', 'vipArp'] as const satisfies readonly FileRole[];
export type DirRole = Exclude<PathRole, FileRole | 'vipMetric'>;
export const FILE_ROLES = Object.keys(FILE_PATHS) as FileRole[];
export const isFileRole = (role: PathRole): role is FileRole => role in FILE_PATHS;
/** created: by this tool; migrated: found matching the tool's layout on a host deployed before the manifest existed. */
export type Origin = 'created' | 'migrated';

export interface PathEntry {
  role: PathRole;
  path: string;
  origin: Origin;
}

export interface AccountEntry {
  name: string;
  origin: Origin;
}

export interface Manifest {
  paths: PathEntry[];
  users: AccountEntry[];
  groups: AccountEntry[];
}

export const emptyManifest = (): Manifest => ({ paths: [], users: [], groups: [] });

/** Stable text: the same ownership always serializes the same, so a second deploy changes nothing. */
export function serializeManifest(m: Manifest): string {
  const byRole = (a: PathEntry, b: PathEntry) =>
    PATH_ROLES.indexOf(a.role) - PATH_ROLES.indexOf(b.role) || a.path.localeCompare(b.path);
  const byName = (a: AccountEntry, b: AccountEntry) => a.name.localeCompare(b.name);
  const doc = {
    tool: TOOL,
    version: 1,
    comment: 'What envoy-k8s-proxy created on this host: uninstall removes only these. Do not edit.',
    paths: [...m.paths].sort(byRole).map(({ role, path, origin }) => ({ role, path, origin })),
    users: [...m.users].sort(byName).map(({ name, origin }) => ({ name, origin })),
    groups: [...m.groups].sort(byName).map(({ name, origin }) => ({ name, origin })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function isEmpty(m: Manifest): boolean {
  return m.paths.length === 0 && m.users.length === 0 && m.groups.length === 0;
}

/** The manifest, or why it cannot be trusted. */
export function parseManifest(text: string): Manifest | { error: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { error: 'it is not valid JSON' };
  }
  const o = doc as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || o.tool !== TOOL || o.version !== 1)
    return { error: `it is not a version 1 manifest of ${TOOL}` };
  const m = emptyManifest();
  for (const [i, raw] of list(o.paths).entries()) {
    const e = raw as Partial<PathEntry>;
    const role = PATH_ROLES.find((r) => r === e.role);
    if (!role || typeof e.path !== 'string' || !origin(e.origin)) return { error: `paths[${i}] is malformed` };
    const bad = isFileRole(role)
      ? e.path === FILE_PATHS[role]
        ? undefined
        : `not ${FILE_PATHS[role]}`
      : role === 'vipMetric'
        ? metricProblem(e.path)
        : dirProblem(e.path);
    if (bad) return { error: `paths[${i}] ${JSON.stringify(e.path)} is ${bad}` };
    m.paths.push({ role, path: e.path, origin: e.origin! });
  }
  for (const kind of ['users', 'groups'] as const) {
    for (const [i, raw] of list(o[kind]).entries()) {
      const e = raw as Partial<AccountEntry>;
      if (typeof e.name !== 'string' || !UNIX_NAME.test(e.name) || reservedAccount(e.name) || !origin(e.origin))
        return { error: `${kind}[${i}] is malformed or a system account` };
      m[kind].push({ name: e.name, origin: e.origin! });
    }
  }
  return m;
}

/** Only a file of that one name can be recorded: uninstall removes nothing else through this role. */
function metricProblem(path: string): string | undefined {
  if (!isSafeAbsolutePath(path)) return 'not a plain absolute path';
  return posix.basename(path) === VIP_METRIC_FILE ? undefined : `not a file named ${VIP_METRIC_FILE}`;
}

function dirProblem(path: string): string | undefined {
  if (!isSafeAbsolutePath(path)) return 'not a plain absolute path';
  return systemLocation(path);
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const origin = (v: unknown): v is Origin => v === 'created' || v === 'migrated';
