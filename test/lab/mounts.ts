// Mount bookkeeping: find mounts under a directory (stale overlays, debootstrap's /proc and /dev
// binds after a crash) and remove a tree only once nothing is mounted in it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { $ } from 'zx';

function unescapeMountPath(p: string): string {
  return p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

export function mountPoints(): string[] {
  const text = readFileSync('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''));
}

export function mountsUnder(dir: string): string[] {
  const root = path.resolve(dir);
  return mountPoints()
    .filter((m) => m === root || m.startsWith(`${root}/`))
    .sort((a, b) => b.length - a.length); // deepest first
}

export function isMounted(dir: string): boolean {
  return mountPoints().includes(path.resolve(dir));
}

export async function unmountUnder(dir: string): Promise<void> {
  for (const m of mountsUnder(dir)) {
    const r = await $({ nothrow: true, quiet: true })`umount ${m}`;
    if (r.exitCode !== 0) await $({ nothrow: true, quiet: true })`umount -l ${m}`;
  }
}

/** rm -rf that never crosses into a mount left behind (it unmounts them first). */
export async function removeTree(dir: string): Promise<void> {
  await unmountUnder(dir);
  await $({ quiet: true })`rm -rf --one-file-system ${dir}`;
}
