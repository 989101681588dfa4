// The one Debian rootfs every lab host boots from (read-only lower layer of each overlay). Built
// once per recipe, cached machine-wide; built in a temp dir and renamed when complete, so a crash
// never leaves a half rootfs under the final name.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';
import type { LabConfig } from './config.ts';
import { findDebianMirror } from './debian-mirror.ts';
import { LabError } from './errors.ts';
import { removeTree, unmountUnder } from './mounts.ts';
import { findProcesses, isRunning, terminate } from './proc.ts';

/** Everything that decides the rootfs content; its hash names the cache entry. */
export const RECIPE = {
  suite: 'bookworm',
  variant: 'minbase',
  packages: [
    'systemd',
    'systemd-sysv',
    'dbus',
    'openssh-server',
    'curl',
    'ca-certificates',
    'iproute2',
    'sudo',
    'python3',
    'python3-yaml',
    'procps',
    'openssl',
    'logrotate',
    'keepalived',
    'nftables',
  ],
  /** Run inside the new rootfs with chroot, in order. */
  commands: [
    ['useradd', '--create-home', '--shell', '/bin/bash', 'ops'],
    ['systemctl', 'enable', 'ssh.service', 'systemd-networkd.service'],
    // Installed (hosts cannot reach a package mirror) but off: the tool configures and enables it.
    ['systemctl', 'disable', 'keepalived.service'],
    // Each host gets its own host keys and machine-id in its overlay.
    ['sh', '-c', 'rm -f /etc/ssh/ssh_host_* /var/lib/dbus/machine-id && : > /etc/machine-id'],
  ],
  files: [
    { path: '/etc/sudoers.d/ops', mode: 0o440, content: 'ops ALL=(ALL) NOPASSWD:ALL\n' },
    {
      path: '/etc/ssh/sshd_config.d/lab.conf',
      mode: 0o644,
      content:
        'HostKey /etc/ssh/ssh_host_ed25519_key\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUseDNS no\n',
    },
    { path: '/etc/hostname', mode: 0o644, content: 'lab\n' },
  ],
};

export function recipeHash(): string {
  return createHash('sha256').update(JSON.stringify(RECIPE)).digest('hex').slice(0, 12);
}

export function rootfsPath(cfg: LabConfig): string {
  return path.join(cfg.cacheDir, `rootfs-${recipeHash()}`);
}

/**
 * Temp dirs of builds whose process died (`rootfs-<hash>.tmp-<pid>`). A debootstrap orphaned by a
 * killed CLI may still be writing there: stop it (its argv names that very dir), unmount, remove.
 */
async function removeStaleBuilds(cacheDir: string): Promise<void> {
  for (const entry of readdirSync(cacheDir)) {
    const m = /^rootfs-[0-9a-f]+\.tmp-(\d+)$/.exec(entry);
    if (!m || isRunning(Number(m[1]))) continue;
    const dir = path.join(cacheDir, entry);
    await terminate(findProcesses((argv) => argv.includes(dir)));
    await removeTree(dir);
  }
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function configure(dir: string): Promise<void> {
  for (const argv of RECIPE.commands) {
    const r = await $({ nothrow: true, quiet: true })`chroot ${dir} ${argv}`;
    if (r.exitCode !== 0) throw new LabError(`rootfs: chroot ${argv.join(' ')} failed: ${r.stderr.trim()}`);
  }
  for (const f of RECIPE.files) {
    const file = path.join(dir, f.path);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, f.content);
    chmodSync(file, f.mode);
  }
}

/** Returns the rootfs path, building it first when this recipe has no cache entry yet. */
export async function buildRootfs(cfg: LabConfig, log: (line: string) => void = () => {}): Promise<string> {
  const final = rootfsPath(cfg);
  if (existsSync(final)) return final;
  mkdirSync(cfg.cacheDir, { recursive: true });
  await removeStaleBuilds(cfg.cacheDir);
  const mirror = findDebianMirror(RECIPE.suite);
  const tmp = `${final}.tmp-${process.pid}`;
  const logFile = path.join(cfg.cacheDir, `build-${recipeHash()}.log`);
  log(`building rootfs ${final} with debootstrap (about a minute; log: ${logFile})`);
  const args = [`--variant=${RECIPE.variant}`, `--include=${RECIPE.packages.join(',')}`, RECIPE.suite, tmp, mirror];
  const fd = openSync(logFile, 'w');
  try {
    const r = await $({ nothrow: true, stdio: ['ignore', fd, fd] })`debootstrap ${args}`;
    if (r.exitCode !== 0)
      throw new LabError(`debootstrap failed (exit ${r.exitCode}); see ${logFile}:\n${tail(logFile)}`);
    await configure(tmp);
  } catch (err) {
    await removeTree(tmp);
    throw err;
  } finally {
    closeSync(fd);
  }
  await unmountUnder(tmp); // nothing may stay mounted inside a lower layer
  try {
    renameSync(tmp, final);
  } catch (err) {
    // Another build (CI, a second checkout) finished first: theirs is as good as ours.
    if (!existsSync(final)) throw err;
    await removeTree(tmp);
  }
  log(`rootfs ready: ${final}`);
  return final;
}
