// The benchmark's sequence: for each host count, a fresh lab, the ssh floor, then the tool's fresh,
// no-op, endpoint-only and restart deploys, each as a child process. Figures only: nothing asserts.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labConfig } from '../lab/config.ts';
import { labDown, labUp, type LabInfo } from '../lab/index.ts';
import { labArch, publishRelease, releaseBytes } from '../lab/release.ts';
import { cpuMark, hostCpu, idleRate, type HostCpu } from './host-cpu.ts';
import { medianBy, sshFloor } from './measure.ts';
import { scpFloor, shapeUplink } from './uplink.ts';
import { cliEnv, hasCommand, inventoryVariant, runCli, summarize, type Sample } from './tool.ts';

export type FigureName = 'fresh' | 'noop' | 'endpoint' | 'restart' | 'upgrade';

export interface Figure {
  name: FigureName | 'startup';
  label: string;
  samples: Sample[];
  /** The sample with the median wall time. */
  median: Sample;
  /** The run that put the lab back (endpoint re-added, admin port back): same path, kept for reference. */
  restore?: Sample[];
}

export interface HostsRun {
  hosts: number;
  floor: { samplesMs: number[]; medianMs: number; /** Of the median sample. */ hostCpu: HostCpu };
  /** The lab hosts' background CPU (ms per ms of wall) before and after Envoy runs on them. */
  idle: { before: number; after: number };
  figures: Figure[];
  /** Size of the Envoy release the lab serves (the stand-in), bytes. */
  releaseBytes: number;
  /** scp of the release to one host, and to every host at once, ms (the transfer floors). */
  upload: { onceMs: number; allMs: number };
  notes: string[];
}

export interface BenchOptions {
  hostCounts: number[];
  repeat: number;
  keep: boolean;
  /** The lab's release padded to about this size (MiB); the plain stand-in when absent. */
  releaseMiB?: number;
  /** The control machine's traffic into the lab shaped to this rate (Mbit/s). */
  uplinkMbit?: number;
  /** The inventory's envoy.fetch for every run (the lab's default: control). */
  fetch?: 'control' | 'host';
  /** false: the inventory's peerFetch.enabled: false (the release pushed to every host). */
  peerFetch?: boolean;
  /** The inventory's rolling.serial (the lab's default: 1, one gated host at a time). */
  serial?: number | string | (number | string)[];
  /** The inventory's rolling.hotRestart (the lab's default: auto, on for one host only). */
  hotRestart?: boolean;
  log: (line: string) => void;
}

export const LABELS: Record<FigureName | 'startup', string> = {
  startup: 'CLI start-up (--help)',
  fresh: 'fresh deploy',
  noop: 'no-op deploy',
  endpoint: 'endpoint removed',
  restart: 'rolling restart',
  upgrade: 'upgrade (a second release)',
};

const UPGRADE_VERSION = '1.35.1';

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function figure(name: Figure['name'], samples: Sample[], label = LABELS[name], restore?: Sample[]): Figure {
  return { name, label, samples, median: medianBy(samples, (x) => x.wallMs), ...(restore ? { restore } : {}) };
}

/** The CLI's fixed cost: node + tsx + every module the CLI imports, no inventory, no host. */
export async function measureStartup(repeat: number, log: BenchOptions['log']): Promise<Figure> {
  const env = cliEnv(tmpdir());
  await runCli(['--help'], env); // warm tsx's compile cache: a cold cache is a one-off, not the tool
  const samples: Sample[] = [];
  for (let i = 0; i < repeat; i++) samples.push(summarize(await runCli(['--help'], env), false));
  const f = figure('startup', samples);
  log(`CLI start-up: ${s(f.median.wallMs)}, ${f.median.maxRssMiB.toFixed(0)} MiB`);
  return f;
}

export async function measureHosts(n: number, o: BenchOptions): Promise<HostsRun> {
  const log = (m: string) => o.log(`${n} host${n === 1 ? '' : 's'}: ${m}`);
  log('fresh lab');
  const up = () =>
    labUp(n, { fresh: true, log: (l) => log(`lab: ${l}`), ...(o.releaseMiB ? { releaseMiB: o.releaseMiB } : {}) });
  // A boot can fail for want of a machine-wide resource other labs hold (inotify instances): once more.
  const lab = await up().catch(
    (err: Error) => (log(`lab up failed, retrying once: ${err.message.split('\n')[0]}`), up()),
  );
  const cache = mkdtempSync(join(tmpdir(), 'ekp-bench-cache-')); // the fresh deploy downloads the release too
  const env = cliEnv(cache);
  const fetch = o.fetch;
  const peerFetch = o.peerFetch;
  const serial = o.serial;
  const hotRestart = o.hotRestart;
  const inv =
    fetch || peerFetch !== undefined || serial !== undefined || hotRestart !== undefined
      ? inventoryVariant(lab.inventoryPath, (d) => {
          if (fetch) d.envoy = { ...d.envoy, fetch };
          if (peerFetch !== undefined) d.peerFetch = { enabled: peerFetch };
          if (serial !== undefined) d.rolling = { ...d.rolling, serial };
          if (hotRestart !== undefined) d.rolling = { ...d.rolling, hotRestart };
        })
      : lab.inventoryPath;
  const unshape = o.uplinkMbit ? shapeUplink(labConfig().bridge, o.uplinkMbit) : () => {};
  const idle = { before: await idleRate(lab), after: 0 };
  // each run between two CPU marks: what the hosts spent on it, beside the control process's own
  const measured = async (run: () => Promise<Sample>): Promise<Sample> => {
    const a = cpuMark(lab);
    const x = await run();
    const b = cpuMark(lab);
    return { ...x, hostCpu: hostCpu(a, b, { controlCpuMs: x.cpuMs, hosts: n, idle: idle.after || idle.before }) };
  };
  const deploy = (file: string) =>
    measured(async () => summarize(await runCli(['deploy', '--hosts', file, '--json'], env), true));
  const notes: string[] = [];
  try {
    const floors: { wallMs: number; hostCpu: HostCpu }[] = [];
    for (let i = 0; i < o.repeat; i++) {
      const a = cpuMark(lab);
      const f = await sshFloor(lab);
      const b = cpuMark(lab);
      floors.push({
        wallMs: f.wallMs,
        hostCpu: hostCpu(a, b, { controlCpuMs: f.clientCpuMs, hosts: n, idle: idle.before }),
      });
    }
    const mid = medianBy(floors, (x) => x.wallMs);
    const floor = { samplesMs: floors.map((x) => x.wallMs), medianMs: mid.wallMs, hostCpu: mid.hostCpu };
    log(`floor (parallel ssh true) ${s(floor.medianMs)}`);
    const file = releasePath(lab);
    const upload = { onceMs: await scpFloor(lab, file, lab.hosts.slice(0, 1)), allMs: await scpFloor(lab, file) };
    log(`floors: upload once ${s(upload.onceMs)}, upload to all ${s(upload.allMs)}`);

    const fresh = figure('fresh', [await deploy(inv)]);
    log(`fresh deploy ${s(fresh.median.wallMs)}`);
    idle.after = await idleRate(lab);

    const noops: Sample[] = [];
    for (let i = 0; i < o.repeat; i++) noops.push(await deploy(inv));
    const noop = figure('noop', noops);
    if (noops.some((x) => x.changed !== 0)) notes.push('a no-op deploy changed something: not idempotent?');
    log(`no-op deploy ${s(noop.median.wallMs)}`);

    const fewer = inventoryVariant(inv, (d) => (d.clusters[0].endpoints = d.clusters[0].endpoints.slice(0, -1)));
    const removed: Sample[] = [];
    const readded: Sample[] = [];
    for (let i = 0; i < o.repeat; i++) {
      removed.push(await deploy(fewer));
      readded.push(await deploy(inv));
    }
    const endpoint = figure('endpoint', removed, LABELS.endpoint, readded);
    if (removed.some((x) => restarted(x))) notes.push('an endpoint-only change restarted Envoy');
    log(`endpoint change ${s(endpoint.median.wallMs)}`);

    // a refused restart (one host holding the VIP has no peer to hand it to) leaves the upgrade to measure
    const restart = await measureRestart(inv, env, notes, measured).catch((err: Error) => {
      notes.push(`restart not measured: ${err.message.split('\n')[0]}`);
      return undefined;
    });
    if (restart) log(`${restart.label} ${s(restart.median.wallMs)}`);

    // a second release of the same size, pinned in a copy of the inventory: download, push, switch, restart
    const next = publishRelease(lab.mirrorDir, UPGRADE_VERSION, releaseBytes(UPGRADE_VERSION, o.releaseMiB));
    const newer = inventoryVariant(
      inv,
      (d) => (d.envoy = { ...d.envoy, version: UPGRADE_VERSION, sha256: { [labArch()]: next.sha256 } }),
    );
    const upgrade = figure('upgrade', [await deploy(newer)]);
    log(`upgrade ${s(upgrade.median.wallMs)}`);

    const figures = [fresh, noop, endpoint, ...(restart ? [restart] : []), upgrade];
    return { hosts: n, floor, idle, upload, figures, releaseBytes: releaseSize(lab), notes };
  } finally {
    unshape();
    rmSync(cache, { recursive: true, force: true });
  }
}

/** The rolling-restart command where this checkout has it; otherwise the deploy's restart handler. */
async function measureRestart(
  inv: string,
  env: NodeJS.ProcessEnv,
  notes: string[],
  measured: (run: () => Promise<Sample>) => Promise<Sample>,
): Promise<Figure> {
  if (hasCommand('rolling-restart')) {
    const t = await measured(async () =>
      summarize(await runCli(['rolling-restart', '--hosts', inv, '--json'], env), true),
    );
    return figure('restart', [t], 'rolling restart (rolling-restart command)');
  }
  // A bootstrap change restarts every host through the handler, rolling and gated on health; the
  // change back is the same path again and leaves the lab as it was.
  const moved = inventoryVariant(inv, (d) => (d.admin = { ...d.admin, port: 10001 }));
  const there = await measured(async () => summarize(await runCli(['deploy', '--hosts', moved, '--json'], env), true));
  const back = summarize(await runCli(['deploy', '--hosts', inv, '--json'], env), true);
  if (!restarted(there) || !restarted(back))
    notes.push('the admin port change did not restart Envoy through the handler');
  return figure('restart', [there], 'restart via deploy handler (admin port 10000→10001)', [back]);
}

function restarted(x: Sample): boolean {
  return x.tasks.some((t) => t.task === 'handlers: restart envoy-k8s-proxy' && t.status === 'changed');
}

function releasePath(lab: LabInfo): string {
  return join(lab.mirrorDir, `v${lab.envoyVersion}`, `envoy-${lab.envoyVersion}-linux-${labArch()}`);
}

function releaseSize(lab: LabInfo): number {
  try {
    return statSync(releasePath(lab)).size;
  } catch {
    return NaN;
  }
}

export interface BenchResult {
  startup: Figure;
  runs: HostsRun[];
  /** Host counts that could not be measured (the lab did not come up, a deploy failed), and why. */
  failed: { hosts: number; error: string }[];
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const runs: HostsRun[] = [];
  const failed: BenchResult['failed'] = [];
  try {
    const startup = await measureStartup(o.repeat, o.log);
    for (const n of o.hostCounts) {
      try {
        runs.push(await measureHosts(n, o));
      } catch (err) {
        // keep what the other host counts measured
        failed.push({ hosts: n, error: (err as Error).message });
        o.log(`${n} hosts: not measured: ${(err as Error).message}`);
      }
    }
    return { startup, runs, failed };
  } finally {
    if (!o.keep) {
      o.log('lab down');
      await labDown({ log: (l) => o.log(`lab: ${l}`) }).catch((err: Error) => o.log(`lab down failed: ${err.message}`));
    }
  }
}
