// Host-side CPU of one measured run, two ways. (1) As the issue defines it: whole-machine busy time
// from /proc/stat minus the control process's own CPU (other labs on the same cores inflate it).
// (2) Exactly: the lab hosts' own cgroups (cpu.stat usage_usec), less their idle rate (the running
// Envoys), so other helpers' work does not count.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labConfig } from '../lab/config.ts';
import { hostCgroups } from '../lab/cgroup.ts';
import type { LabInfo } from '../lab/index.ts';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux ABI node runs on. */
const JIFFY_MS = 10;

export interface CpuMark {
  /** Whole machine: user+nice+system+irq+softirq+steal, ms. */
  machineBusyMs: number;
  /** Sum of the lab hosts' cgroup CPU, ms; null when no cgroup v2 cpu.stat is readable. */
  labMs: number | null;
  atMs: number;
}

/** The busy fields of /proc/stat's `cpu` line (idle and iowait are not busy), ms. */
export function parseProcStatBusy(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) * JIFFY_MS;
}

/** `usage_usec` of a cgroup v2 cpu.stat, ms. */
export function parseCpuStatMs(text: string): number {
  const m = /^usage_usec (\d+)$/m.exec(text);
  if (!m) throw new Error('cpu.stat has no usage_usec');
  return Number(m[1]) / 1000;
}

function cpuStatFiles(lab: LabInfo): string[] {
  const cfg = labConfig();
  return lab.hosts
    .map((h) =>
      hostCgroups(cfg, h.name)
        .map((d) => join(d, 'cpu.stat'))
        .find((f) => existsSync(f)),
    )
    .filter((f): f is string => f !== undefined);
}

export function cpuMark(lab: LabInfo): CpuMark {
  const files = cpuStatFiles(lab);
  return {
    machineBusyMs: parseProcStatBusy(readFileSync('/proc/stat', 'utf8')),
    labMs:
      files.length === lab.hosts.length ? files.reduce((s, f) => s + parseCpuStatMs(readFileSync(f, 'utf8')), 0) : null,
    atMs: performance.now(),
  };
}

/** The lab hosts' background CPU (Envoys running, timers), ms of CPU per ms of wall, over `ms` of quiet. */
export async function idleRate(lab: LabInfo, ms = 2000): Promise<number> {
  const a = cpuMark(lab);
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuMark(lab);
  if (a.labMs === null || b.labMs === null) return 0;
  return Math.max(0, (b.labMs - a.labMs) / (b.atMs - a.atMs));
}

export interface HostCpu {
  /** (whole-machine busy − control process CPU) / hosts, ms. */
  procStatPerHostMs: number;
  /** (lab cgroups' CPU − idle rate × wall) / hosts, ms; null without cgroups. */
  cgroupPerHostMs: number | null;
}

export function hostCpu(before: CpuMark, after: CpuMark, o: { controlCpuMs: number; hosts: number; idle: number }) {
  const wall = after.atMs - before.atMs;
  const busy = after.machineBusyMs - before.machineBusyMs - o.controlCpuMs;
  const lab = before.labMs === null || after.labMs === null ? null : after.labMs - before.labMs - o.idle * wall;
  return {
    procStatPerHostMs: busy / o.hosts,
    cgroupPerHostMs: lab === null ? null : Math.max(0, lab) / o.hosts,
  } satisfies HostCpu;
}
