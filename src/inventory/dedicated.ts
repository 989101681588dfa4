// What may be a managed directory or the service account. The tool runs as root: it chowns its
// directories to the service account, and `uninstall` deletes them (and, with --purge, the account),
// so each must be the tool's own. Shared here by the inventory rules and the host-side manifest.
import { posix } from 'node:path';

/** Root-only state on each host: the manifest of what the tool created there. */
export const STATE_DIR = '/var/lib/envoy-k8s-proxy';
export const UNIT_DIR = '/etc/systemd/system';

/**
 * Trees nothing of ours may live in, with why: kernel or volatile filesystems (gone at reboot or
 * not files at all), world-writable ones (another local user could plant a symlink there first),
 * home directories (their owner could swap the path under us), the package manager's /usr (except
 * /usr/local), and system configuration that a directory owned by the service group would weaken.
 */
const FORBIDDEN_TREES: ReadonlyArray<readonly [string, string]> = [
  ['/proc', 'a kernel filesystem'],
  ['/sys', 'a kernel filesystem'],
  ['/dev', 'a device filesystem'],
  ['/run', 'a volatile filesystem, emptied at boot'],
  ['/var/run', 'a volatile filesystem, emptied at boot'],
  ['/var/lock', 'a volatile filesystem, emptied at boot'],
  ['/tmp', 'a directory every user can write to'],
  ['/var/tmp', 'a directory every user can write to'],
  ['/home', "users' home directories"],
  ['/root', "root's home directory"],
  ['/boot', 'the boot partition'],
  ['/lost+found', "the filesystem checker's directory"],
  ['/usr', "the package manager's; use /usr/local/<name> or /opt/<name>"],
  ...[
    'systemd',
    'ssh',
    'ssl',
    'sudoers.d',
    'pam.d',
    'security',
    'apt',
    'cron.d',
    'init.d',
    'profile.d',
    'sysctl.d',
    'modprobe.d',
    'udev',
    'network',
    'kubernetes',
  ].map((d) => [`/etc/${d}`, 'system configuration'] as const),
  ...['dpkg', 'apt', 'systemd', 'kubelet', 'etcd'].map((d) => [`/var/lib/${d}`, 'system state'] as const),
  ['/var/log/journal', "the journal's files"],
];

/** Shared directories a dedicated one goes inside of, never is (their children are other software's). */
const SHARED = new Set([
  ...['bin', 'etc', 'games', 'include', 'lib', 'lib64', 'libexec', 'man', 'sbin', 'share', 'src'].map(
    (d) => `/usr/local/${d}`,
  ),
  '/usr/local',
  ...['default', 'logrotate.d', 'rsyslog.d', 'alternatives', 'skel', 'opt', 'X11', 'xdg', 'dbus-1', 'polkit-1'].map(
    (d) => `/etc/${d}`,
  ),
]);

/** `/etc/`, `/./etc` and `//etc` are `/etc`. */
export function normalizeDir(path: string): string {
  const n = posix.normalize(path);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}

export function isInside(dir: string, path: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

/** Why `path` cannot be a directory of the tool's own, or undefined when it can. */
export function systemLocation(path: string): string | undefined {
  const p = normalizeDir(path);
  if (p === '/') return 'the root directory';
  const depth = p.split('/').length - 1;
  // every top-level directory belongs to the system (/etc, /opt, /var, …) or is a mount point
  if (depth === 1) return 'a top-level system directory';
  const tree = FORBIDDEN_TREES.find(([dir]) => isInside(dir, p) && !(dir === '/usr' && isInside('/usr/local', p)));
  if (tree) return p === tree[0] ? `a system directory (${tree[1]})` : `inside ${tree[0]} (${tree[1]})`;
  // /var/log, /var/lib, /var/cache…: FHS categories shared by every package
  if (depth === 2 && p.startsWith('/var/')) return 'a shared system directory';
  if (SHARED.has(p)) return 'a shared system directory';
  return undefined;
}

/**
 * Accounts that belong to the system or to people: Debian's base-passwd users and groups, the
 * default groups of common distributions (sudo, wheel, adm grant privileges), the login users of
 * cloud images, and systemd's own (systemd-*); an existing account of any other name is refused
 * on the host unless the tool created it. Running Envoy as one of them shares its
 * files and privileges; `--purge` would delete it.
 */
const RESERVED_ACCOUNTS = new Set([
  'root',
  'daemon',
  'bin',
  'sys',
  'sync',
  'games',
  'man',
  'lp',
  'mail',
  'news',
  'uucp',
  'proxy',
  'www-data',
  'backup',
  'list',
  '_apt',
  '_chrony',
  '_rpc',
  'irc',
  'gnats',
  'nobody',
  'nogroup',
  'sshd',
  'messagebus',
  'syslog',
  'uuidd',
  'tcpdump',
  'dnsmasq',
  'polkitd',
  'ntp',
  'chrony',
  'postfix',
  'avahi',
  'colord',
  'statd',
  'tss',
  'landscape',
  'pollinate',
  'lxd',
  'docker',
  'containerd',
  'kube',
  'etcd',
  'sudo',
  'adm',
  'wheel',
  'staff',
  'users',
  'admin',
  'operator',
  'disk',
  'kmem',
  'tty',
  'dialout',
  'cdrom',
  'floppy',
  'tape',
  'audio',
  'video',
  'plugdev',
  'netdev',
  'shadow',
  'utmp',
  'src',
  'voice',
  'sasl',
  'input',
  'kvm',
  'render',
  'sgx',
  'crontab',
  'fax',
  'dip',
  'ssl-cert',
  'ssh',
  'lpadmin',
  'sambashare',
  'systemd-journal',
  'ftp',
  'halt',
  'shutdown',
  'ubuntu',
  'debian',
  'ec2-user',
  'centos',
  'fedora',
  'cloud-user',
  'core',
  'vagrant',
  'pi',
  'azureuser',
  'opc',
]);

/** Why `name` cannot be the service user or group, or undefined when it can. */
export function reservedAccount(name: string): string | undefined {
  if (name.startsWith('systemd-')) return 'a system account (systemd-*)';
  if (RESERVED_ACCOUNTS.has(name))
    return name === 'root' ? 'the superuser account' : 'a well-known system or login account';
  return undefined;
}
