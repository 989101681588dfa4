// Progress of a rolling restart, per inventory, so `--resume` continues from the host that failed
// instead of restarting hosts that already passed their gate. Written atomically after each host;
// removed when a run finishes.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { cacheDir } from '../release/fetch.ts';

export interface RollingState {
  /** Inventory file the run was for (a state file is only ever read for the same inventory). */
  inventory: string;
  startedAt: string;
  updatedAt: string;
  /** Hosts that passed their gate, in order. */
  done: string[];
  /** Where the run stopped last, and why. */
  failed?: { host: string; reason: string };
}

export function statePath(inventoryName: string, dir = cacheDir()): string {
  return join(dir, `rolling-${inventoryName}.json`);
}

export async function loadState(path: string): Promise<RollingState | undefined> {
  try {
    const s = JSON.parse(await readFile(path, 'utf8')) as RollingState;
    return Array.isArray(s.done) ? s : undefined;
  } catch {
    return undefined;
  }
}

export async function saveState(path: string, s: RollingState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  // a name of its own per write: two hosts of one batch may finish at the same moment
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, `${JSON.stringify({ ...s, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  await rename(tmp, path);
}

export async function clearState(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** Hosts still to do, in inventory order: every selected host that has not passed its gate yet. */
export function remaining<T extends { name: string }>(hosts: T[], s: RollingState | undefined): T[] {
  const done = new Set(s?.done ?? []);
  return hosts.filter((h) => !done.has(h.name));
}
