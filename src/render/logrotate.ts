// /etc/logrotate.d/envoy-k8s-proxy: Envoy's access and admin logs, rotated daily (sooner past
// 100 MiB), 7 kept. Envoy keeps its log files open; after logrotate renames them, POST
// /reopen_logs on the admin API makes Envoy open new ones (Envoy docs, operations/admin:
// "Triggers reopen of all access logs. Behavior is similar to SIGUSR1 handling."). That loses
// no line, where copytruncate drops the lines written between its copy and its truncate, and
// copies the whole file each time.

import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { RenderedFile } from './types.ts';
import { UNIT_NAME } from './unit.ts';
import { header } from './yaml.ts';

export const LOGROTATE_PATH = '/etc/logrotate.d/envoy-k8s-proxy';
export const LOGROTATE_MODE = 0o644;
export const LOGROTATE_KEEP = 7;
export const LOGROTATE_MAXSIZE = '100M';

export function adminLogPath(inv: Inventory): string {
  return posix.join(inv.paths.logDir, 'admin.log');
}

/** Every file Envoy logs to. */
export function logFiles(inv: Inventory): string[] {
  const files = [adminLogPath(inv)];
  if (inv.accessLog.enabled && !files.includes(inv.accessLog.path)) files.push(inv.accessLog.path);
  return files;
}

export function renderLogrotate(inv: Inventory, host: HostSpec): RenderedFile {
  const { user, group } = inv.paths;
  const admin = inv.admin.address.includes(':') ? `[${inv.admin.address}]` : inv.admin.address;
  const reopen = `http://${admin}:${inv.admin.port}/reopen_logs`;
  // Paths and names are validated to [A-Za-z0-9_./+=,@:~-]: safe inside double quotes.
  const lines = [
    header({ inventory: inv.name, host: host.name }).trimEnd(),
    `${logFiles(inv)
      .map((f) => `"${f}"`)
      .join(' ')} {`,
    // as the service user: root renaming and creating files in a directory Envoy's user can
    // write would follow links that user planted
    `\tsu ${user} ${group}`,
    '\tdaily',
    `\tmaxsize ${LOGROTATE_MAXSIZE}`,
    `\trotate ${LOGROTATE_KEEP}`,
    '\tmissingok',
    '\tnotifempty',
    '\tcompress',
    // the newest rotated file stays plain: lines still buffered in Envoy land in it until the reopen
    '\tdelaycompress',
    `\tcreate 0640 ${user} ${group}`,
    '\tsharedscripts',
    '\tpostrotate',
    // an error only when Envoy runs and did not reopen: a stopped Envoy opens new files at start
    `\t\tcurl -fsS -o /dev/null --max-time 5 -X POST ${reopen} || ! systemctl -q is-active ${UNIT_NAME}`,
    '\tendscript',
    '}',
  ];
  return { name: posix.basename(LOGROTATE_PATH), content: `${lines.join('\n')}\n`, mode: LOGROTATE_MODE };
}
