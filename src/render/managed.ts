// The files the tool manages on a host, with the sha256 of what the inventory renders now: what
// status and doctor compare the host against to report drift.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { renderConfigFiles } from './config-files.ts';
import { renderUnit, UNIT_NAME, type Sandbox } from './unit.ts';
import { LOGROTATE_PATH, renderLogrotate } from './logrotate.ts';

export interface ManagedFile {
  path: string; // absolute, on the host
  name: string; // file name, for display
  sha256: string;
}

export const UNIT_PATH = posix.join('/etc/systemd/system', UNIT_NAME);

/** The paths do not depend on the sandbox; the unit's content does. */
export function managedFiles(inv: Inventory, host: HostSpec, sandbox: Sandbox): ManagedFile[] {
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  return [
    ...renderConfigFiles(inv, host).map((f) => ({
      path: posix.join(inv.paths.configDir, f.name),
      name: f.name,
      sha256: hash(f.content),
    })),
    { path: UNIT_PATH, name: UNIT_NAME, sha256: hash(renderUnit(inv, host, sandbox).content) },
    { path: LOGROTATE_PATH, name: posix.basename(LOGROTATE_PATH), sha256: hash(renderLogrotate(inv, host).content) },
  ];
}
