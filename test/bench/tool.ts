// Running the real CLI as a user would (a child process, through bin/), reading its --json recap, and
// shaping the lab inventory variants the scenarios deploy.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { HostRecap, TaskResult } from '../../src/runner/types.ts';
import type { HostCpu } from './host-cpu.ts';
import { runTimed, type Timed } from './measure.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(REPO, 'bin/envoy-k8s-proxy.js');

/** One measured run of the tool: the process figures plus what its recap says. */
export interface Sample {
  wallMs: number;
  cpuMs: number;
  maxRssMiB: number;
  /** Round trips per host (min and max over hosts; equal on a uniform fleet). Null: no recap. */
  roundTrips: { min: number; max: number } | null;
  bytesSent: number | null;
  bytesPerHost: number | null;
  /** Slowest host's run time as the recap counts it (connect → last task), ms. */
  hostMsMax: number | null;
  changed: number | null;
  /** Per task, the slowest host's time (ms), in run order. */
  tasks: { task: string; status: string; msMax: number }[];
  /** What the hosts spent on this run (host-cpu.ts); absent for runs with no lab (start-up). */
  hostCpu?: HostCpu;
}

interface JsonReport {
  recap?: HostRecap[];
  results?: TaskResult[];
}

export function cliEnv(cacheDir: string): NodeJS.ProcessEnv {
  return { ...process.env, EKP_CACHE_DIR: cacheDir, NO_COLOR: '1' };
}

/** `bin/envoy-k8s-proxy.js <args>` (its shebang's node flags too) under GNU time; throws (with its output) when it fails. */
export async function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  const r = await runTimed(BIN, args, { cwd: REPO, env });
  if (r.code !== 0) {
    throw new Error(
      `envoy-k8s-proxy ${args.join(' ')}: exit ${r.code}\n${r.stderr.trim()}\n${r.stdout.trim().slice(-4000)}`,
    );
  }
  return r;
}

export function summarize(t: Timed, json: boolean): Sample {
  const base: Sample = {
    wallMs: t.wallMs,
    cpuMs: t.cpuMs,
    maxRssMiB: t.maxRssMiB,
    roundTrips: null,
    bytesSent: null,
    bytesPerHost: null,
    hostMsMax: null,
    changed: null,
    tasks: [],
  };
  if (!json) return base;
  let doc: JsonReport;
  try {
    doc = JSON.parse(t.stdout) as JsonReport;
  } catch {
    return base; // a command whose --json is not a run recap
  }
  const recap = doc.recap ?? [];
  if (recap.length === 0) return base;
  const rts = recap.map((h) => h.roundTrips);
  const sent = recap.reduce((s, h) => s + h.bytesSent, 0);
  const tasks = new Map<string, { task: string; status: string; msMax: number }>();
  for (const r of doc.results ?? []) {
    const key = `${r.role}: ${r.task}`;
    const cur = tasks.get(key);
    if (!cur) tasks.set(key, { task: key, status: r.status, msMax: r.ms });
    else {
      cur.msMax = Math.max(cur.msMax, r.ms);
      if (r.status === 'changed' || r.status === 'failed') cur.status = r.status;
    }
  }
  return {
    ...base,
    roundTrips: { min: Math.min(...rts), max: Math.max(...rts) },
    bytesSent: sent,
    bytesPerHost: sent / recap.length,
    hostMsMax: Math.max(...recap.map((h) => h.ms)),
    changed: recap.reduce((s, h) => s + h.changed, 0),
    tasks: [...tasks.values()],
  };
}

/** Whether this checkout's CLI has a command (e.g. rolling-restart, written on another branch). */
export function hasCommand(name: string): boolean {
  // `<unknown> --help` prints the program's help and exits 0, so read the command list instead
  const r = spawnSync(process.execPath, [BIN, '--help'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return r.stdout.split('\n').some((l) => /^ {2}(\S+)/.exec(l)?.[1] === name);
}

/** A copy of the inventory changed by `edit`, in a temp dir; returns its path. */
export function inventoryVariant(source: string, edit: (doc: Record<string, any>) => void): string {
  const doc = parse(readFileSync(source, 'utf8')) as Record<string, any>;
  edit(doc);
  const file = join(mkdtempSync(join(tmpdir(), 'ekp-bench-inv-')), 'lab.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}
