// One lab host: an overlay over the shared rootfs (its own hostname, machine-id, host key, static
// address, authorized_keys), booted by systemd-nspawn in the background inside its own cgroup.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import { freshHostCgroups, removeHostCgroups } from './cgroup.ts';
import { hostAddress, hostIndex, labPaths, machineName, type LabConfig } from './config.ts';
import { LabError } from './errors.ts';
import { makeHostKey, publicKeyOf } from './keys.ts';
import { isMounted, removeTree } from './mounts.ts';
import { findProcesses, livePid, removePid, terminate, writePid } from './proc.ts';

export function hostPaths(cfg: LabConfig, name: string) {
  const p = labPaths(cfg);
  const dir = path.join(p.hostsDir, name);
  return {
    dir,
    upper: path.join(dir, 'upper'),
    work: path.join(dir, 'work'),
    merged: path.join(dir, 'merged'),
    pidFile: path.join(p.runDir, `host-${name}.pid`),
    logFile: path.join(p.logDir, `host-${name}.log`),
  };
}

function isOurNspawn(merged: string) {
  return (argv: string[]) =>
    path.basename(argv[0] ?? '') === 'systemd-nspawn' && argv.includes(`--directory=${merged}`);
}

/** The running nspawn pid of a host: from its pid file, or found by command line after a crash. */
export function hostPid(cfg: LabConfig, name: string): number | undefined {
  const { pidFile, merged } = hostPaths(cfg, name);
  return livePid(pidFile, isOurNspawn(merged)) ?? findProcesses(isOurNspawn(merged))[0];
}

function writeFile(file: string, content: string, mode = 0o644, owner?: { uid: number; gid: number }): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeFileSync(file, content);
  chmodSync(file, mode);
  if (owner) chownSync(file, owner.uid, owner.gid);
}

function userIds(root: string, user: string): { uid: number; gid: number } {
  const line = readFileSync(path.join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${user}:`));
  const [, , uid, gid] = line?.split(':') ?? [];
  if (uid === undefined || gid === undefined) throw new LabError(`rootfs has no user ${user}`);
  return { uid: Number(uid), gid: Number(gid) };
}

function authorize(root: string, home: string, pubKey: string, owner: { uid: number; gid: number }): void {
  const sshDir = path.join(root, home, '.ssh');
  mkdirSync(sshDir, { recursive: true });
  chmodSync(sshDir, 0o700);
  chownSync(sshDir, owner.uid, owner.gid);
  writeFile(path.join(sshDir, 'authorized_keys'), `${pubKey}\n`, 0o600, owner);
}

/** Mounts a fresh overlay for `name` and writes its identity; returns its SSH host public key. */
export async function createHost(cfg: LabConfig, rootfs: string, name: string, authorizedKey: string): Promise<string> {
  const index = hostIndex(name);
  if (index === undefined) throw new LabError(`not a lab host name: ${name}`);
  const p = hostPaths(cfg, name);
  await removeTree(p.dir);
  for (const d of [p.upper, p.work, p.merged]) mkdirSync(d, { recursive: true });
  for (const d of [rootfs, p.upper, p.work]) {
    if (/[,:\\]/.test(d)) throw new LabError(`overlay paths may not contain ',', ':' or '\\': ${d}`);
  }
  await $({
    quiet: true,
  })`mount -t overlay overlay -o ${`lowerdir=${rootfs},upperdir=${p.upper},workdir=${p.work}`} ${p.merged}`;
  const root = p.merged;
  const address = hostAddress(cfg, index);
  // /etc/hostname from the rootfs would override --hostname; /etc/hosts keeps sudo from warning.
  writeFile(path.join(root, 'etc/hostname'), `${name}\n`);
  writeFile(path.join(root, 'etc/hosts'), `127.0.0.1 localhost\n127.0.1.1 ${name}\n${address} ${name}\n`);
  writeFile(path.join(root, 'etc/machine-id'), `${randomBytes(16).toString('hex')}\n`, 0o444);
  // Overrides Debian's 80-container-host0.network (DHCP) by name: a static address, no gateway.
  writeFile(
    path.join(root, 'etc/systemd/network/80-container-host0.network'),
    `[Match]\nKind=veth\nName=host0\n\n[Network]\nAddress=${address}/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n`,
  );
  authorize(root, 'root', authorizedKey, { uid: 0, gid: 0 });
  authorize(root, 'home/ops', authorizedKey, userIds(root, 'ops'));
  return makeHostKey(path.join(root, 'etc/ssh'), name);
}

export function hostKeyOf(cfg: LabConfig, name: string): string {
  return publicKeyOf(path.join(hostPaths(cfg, name).merged, 'etc/ssh'));
}

export function hostExists(cfg: LabConfig, name: string): boolean {
  return isMounted(hostPaths(cfg, name).merged);
}

/** Boots a created host in the background; returns the nspawn pid (the host lives until SIGTERM). */
export function bootHost(cfg: LabConfig, name: string): number {
  const p = hostPaths(cfg, name);
  if (!hostExists(cfg, name)) throw new LabError(`${name}: no overlay mounted at ${p.merged}; run up`);
  const cgroups = freshHostCgroups(cfg, name).map((d) => path.join(d, 'cgroup.procs'));
  const nspawn = [
    'systemd-nspawn',
    '--quiet',
    '--boot',
    `--directory=${p.merged}`,
    `--machine=${machineName(cfg, name)}`,
    `--hostname=${name}`,
    '--register=no',
    '--keep-unit',
    '--console=passive',
    `--network-bridge=${cfg.bridge}`,
    '--link-journal=no',
  ];
  // The shell enters the cgroups, then execs nspawn: the pid we record is nspawn's own.
  const enter =
    'for f in "$@"; do case $f in --) break;; esac; echo $$ > "$f" || exit 1; shift; done; shift; exec "$@"';
  mkdirSync(path.dirname(p.logFile), { recursive: true });
  mkdirSync(path.dirname(p.pidFile), { recursive: true });
  const log = openSync(p.logFile, 'a');
  writeSync(log, `--- boot ${new Date().toISOString()}\n`);
  const child = spawn('/bin/sh', ['-c', enter, 'enter-cgroup', ...cgroups, '--', ...nspawn], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  if (!child.pid) throw new LabError(`${name}: could not start systemd-nspawn`);
  writePid(p.pidFile, child.pid);
  return child.pid;
}

/** SIGTERM to the host's nspawn (a clean poweroff inside), SIGKILL after the grace period. */
export async function stopHostProcess(cfg: LabConfig, name: string, graceMs = 15_000): Promise<void> {
  const p = hostPaths(cfg, name);
  const pids = [hostPid(cfg, name), ...findProcesses(isOurNspawn(p.merged))].filter(
    (x): x is number => x !== undefined,
  );
  await terminate([...new Set(pids)], graceMs);
  removePid(p.pidFile);
  removeHostCgroups(cfg, name);
}

/** Stops the host and removes its overlay for good. */
export async function destroyHost(cfg: LabConfig, name: string): Promise<void> {
  await stopHostProcess(cfg, name);
  const { dir } = hostPaths(cfg, name);
  if (existsSync(dir)) await removeTree(dir);
}

export function consoleTail(cfg: LabConfig, name: string, lines = 10): string {
  try {
    return readFileSync(hostPaths(cfg, name).logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
