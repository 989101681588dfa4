// What a run was measured on, so results can be compared across commits and machines.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { REPO } from './tool.ts';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  commit: string;
  /** Uncommitted changes in the checkout when the run started. */
  dirty: boolean;
  /** 1, 5, 15 min load averages when the run started: other work on the same cores skews every figure. */
  loadAvg: number[];
  /** Other labs' bridges (ekp-*) up on this machine at the start: they share the cores. */
  otherLabs: string[];
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function bridges(): string[] {
  try {
    const out = execFileSync('ip', ['-br', 'link', 'show', 'type', 'bridge'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return out
      .split('\n')
      .map((l) => l.split(/\s+/)[0] ?? '')
      .filter((b) => b.startsWith('ekp-'));
  } catch {
    return [];
  }
}

export function machineInfo(ownBridge: string): Machine {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    commit: git(['rev-parse', 'HEAD']) || 'unknown',
    dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    loadAvg: loadavg().map((l) => Math.round(l * 100) / 100),
    otherLabs: bridges().filter((b) => b !== ownBridge),
  };
}
