// Rules on what the tool will own on each host: managed directories of their own (not system
// locations, not inside one another), the access log inside the log directory, and a service
// account that is neither a system account nor the SSH login user. Values the schema already
// rejects are skipped, so each problem is reported once.
import { posix } from 'node:path';
import type { KeyPath } from './locate.ts';
import { PATHS_DEFAULTS, SSH_DEFAULTS } from './defaults.ts';
import { STATE_DIR, isInside, normalizeDir, reservedAccount, systemLocation } from './dedicated.ts';
import { UNIX_NAME, isSafeAbsolutePath } from './formats.ts';
import { describe } from './issues.ts';
import type { RuleProblem } from './rules.ts';

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
const safePath = (v: unknown) => (typeof v === 'string' && isSafeAbsolutePath(v) ? v : undefined);

export const MANAGED_DIRS = ['installDir', 'configDir', 'logDir'] as const;
const EXAMPLE = {
  installDir: '/opt/envoy-k8s-proxy',
  configDir: '/etc/envoy-k8s-proxy',
  logDir: '/var/log/envoy-k8s-proxy',
} as const;
/** The admin interface's log: the access log must not be the same file. */
export const ADMIN_LOG = 'admin.log';

interface Dir {
  name: string;
  path: string;
  written: boolean;
}

export function checkOwnership(root: Obj): RuleProblem[] {
  const paths = obj(root.paths) ?? {};
  const problems: RuleProblem[] = [];
  const bad = new Set<string>(); // keys already reported: one problem per key
  const dirs: Dir[] = [];
  for (const key of MANAGED_DIRS) {
    const given = paths[key];
    if (given !== undefined && safePath(given) === undefined) {
      bad.add(key); // the schema reports it
      continue;
    }
    const written = given !== undefined;
    const path = normalizeDir((given as string | undefined) ?? PATHS_DEFAULTS[key]);
    const why = written ? systemLocation(path) : undefined;
    if (why) {
      bad.add(key);
      problems.push({
        path: ['paths', key],
        message: `expected a directory of its own such as ${EXAMPLE[key]}, found ${describe(given)}: ${why}`,
      });
    }
    dirs.push({ name: `paths.${key}`, path, written });
  }
  problems.push(...checkApart(dirs.filter((d) => !bad.has(d.name.slice('paths.'.length)))));
  problems.push(
    ...checkAccessLog(
      root,
      dirs.find((d) => d.name === 'paths.logDir'),
    ),
  );
  problems.push(...checkAccounts(root, paths));
  return problems;
}

/** No managed directory equals, contains or sits inside another, or the tool's state directory. */
function checkApart(dirs: Dir[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const fixed: Dir = { name: "the tool's state directory", path: STATE_DIR, written: false };
  const reported = new Set<string>();
  const all = [...dirs, fixed];
  all.forEach((b, j) => {
    for (const a of all.slice(0, j)) {
      // report on a key the user wrote; defaults and the fixed directory never clash by themselves
      const [at, other] = b.written ? [b, a] : a.written ? [a, b] : [undefined, undefined];
      if (!at || !other || reported.has(at.name)) continue;
      const relation =
        at.path === other.path
          ? `the same directory as ${other.name}`
          : isInside(other.path, at.path)
            ? `inside ${other.name} (${other.path})`
            : isInside(at.path, other.path)
              ? `which contains ${other.name} (${other.path})`
              : undefined;
      if (!relation) continue;
      reported.add(at.name);
      problems.push({
        path: at.name.split('.'),
        message: `expected a directory apart from the other managed directories, found ${describe(at.path)}, ${relation}`,
      });
    }
  });
  return problems;
}

/** Envoy writes the access log as the service user: only inside the log directory the tool made for it. */
function checkAccessLog(root: Obj, logDir: Dir | undefined): RuleProblem[] {
  const given = safePath(obj(root.accessLog)?.path);
  if (given === undefined || !logDir) return [];
  const path: KeyPath = ['accessLog', 'path'];
  if (normalizeDir(posix.dirname(given)) !== logDir.path) {
    return [
      { path, message: `expected a file directly inside paths.logDir (${logDir.path}/), found ${describe(given)}` },
    ];
  }
  if (posix.basename(given) === ADMIN_LOG) {
    return [
      {
        path,
        message: `expected a file other than ${ADMIN_LOG} (the admin interface's log), found ${describe(given)}`,
      },
    ];
  }
  return [];
}

function checkAccounts(root: Obj, paths: Obj): RuleProblem[] {
  const logins = new Map<string, string>();
  const sshUser = obj(root.ssh)?.user;
  logins.set(typeof sshUser === 'string' ? sshUser : SSH_DEFAULTS.user, 'ssh.user');
  (Array.isArray(root.hosts) ? root.hosts : []).forEach((h, i) => {
    const u = obj(obj(h)?.ssh)?.user;
    if (typeof u === 'string' && !logins.has(u)) logins.set(u, `hosts[${i}].ssh.user`);
  });
  const problems: RuleProblem[] = [];
  for (const key of ['user', 'group'] as const) {
    const name = paths[key];
    if (typeof name !== 'string' || !UNIX_NAME.test(name)) continue;
    const why = reservedAccount(name) ?? (logins.has(name) ? `the SSH login user (${logins.get(name)})` : undefined);
    if (why)
      problems.push({
        path: ['paths', key],
        message: `expected a ${key} of its own for Envoy such as envoy, found ${describe(name)}: ${why}`,
      });
  }
  return problems;
}
