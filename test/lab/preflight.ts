// Checks before any work: root, and each tool with the Debian package that provides it.
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { LabError } from './errors.ts';

const TOOLS: Record<string, string> = {
  debootstrap: 'debootstrap',
  'systemd-nspawn': 'systemd-container',
  ssh: 'openssh-client',
  'ssh-keygen': 'openssh-client',
  ip: 'iproute2',
  openssl: 'openssl',
  mount: 'mount',
  chroot: 'coreutils',
};

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function which(tool: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  for (const dir of dirs) {
    const file = path.join(dir || '.', tool);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

export function preflight(tools: string[] = Object.keys(TOOLS)): void {
  if (!isRoot()) {
    throw new LabError(
      'the lab must run as root (it mounts overlays, creates a bridge and boots systemd-nspawn hosts)',
    );
  }
  // systemd-nspawn copies /dev/null into every host; a stray `rm /dev/null` (or a rename over it)
  // on this machine makes every boot fail with a cryptic message.
  if (!statSync('/dev/null', { throwIfNoEntry: false })?.isCharacterDevice()) {
    throw new LabError(
      '/dev/null on this machine is not a character device (something removed or replaced it); restore it: rm -f /dev/null && mknod -m 666 /dev/null c 1 3',
    );
  }
  const missing = tools.filter((t) => !which(t));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => TOOLS[t] ?? t))];
    throw new LabError(`missing ${missing.join(', ')}: apt-get install -y ${pkgs.join(' ')}`);
  }
}
