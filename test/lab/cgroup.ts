// One cgroup per host, entered before systemd-nspawn starts: hosts sharing a cgroup fail with IO
// errors. On this machine's hybrid layout nspawn nests payload/ and supervisor/ under the host's
// cgroup in both the unified and the name=systemd hierarchies, so the cgroup exists in both.
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LabConfig } from './config.ts';

const ROOT = '/sys/fs/cgroup';

function hierarchies(): string[] {
  if (existsSync(path.join(ROOT, 'cgroup.controllers'))) return [ROOT]; // pure cgroup v2
  return [path.join(ROOT, 'unified'), path.join(ROOT, 'systemd')].filter((d) => existsSync(d));
}

function labGroups(cfg: LabConfig): string[] {
  return hierarchies().map((h) => path.join(h, 'envoy-k8s-proxy-lab', cfg.bridge));
}

export function hostCgroups(cfg: LabConfig, name: string): string[] {
  return labGroups(cfg).map((g) => path.join(g, name));
}

/** cgroupfs directories go with rmdir, children first; one still holding processes stays. */
function removeGroup(dir: string): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) removeGroup(path.join(dir, entry.name));
  }
  try {
    rmdirSync(dir);
  } catch {
    // busy: a process is still inside; `down` kills first, so this is only a leftover of a leftover
  }
}

export function freshHostCgroups(cfg: LabConfig, name: string): string[] {
  const dirs = hostCgroups(cfg, name);
  for (const dir of dirs) {
    removeGroup(dir);
    mkdirSync(dir, { recursive: true });
  }
  return dirs;
}

/**
 * SIGKILL to every process of the host at once (cgroup v2's cgroup.kill): its init, sshd,
 * keepalived and Envoy die together, with no shutdown and nothing sent on the network, like a
 * power cut. False where no hierarchy offers cgroup.kill (kernels before 5.14).
 */
export function killHostCgroup(cfg: LabConfig, name: string): boolean {
  for (const dir of hostCgroups(cfg, name)) {
    const kill = path.join(dir, 'cgroup.kill');
    if (!existsSync(kill)) continue;
    writeFileSync(kill, '1');
    return true;
  }
  return false;
}

export function removeHostCgroups(cfg: LabConfig, name: string): void {
  for (const dir of hostCgroups(cfg, name)) removeGroup(dir);
}

export function removeLabCgroups(cfg: LabConfig): void {
  for (const dir of labGroups(cfg)) {
    removeGroup(dir);
    try {
      rmdirSync(path.dirname(dir)); // the shared parent, once no lab uses it
    } catch {
      // another lab (CI or dev) is still in there
    }
  }
}
