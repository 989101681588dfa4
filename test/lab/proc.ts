// Processes the lab started, identified by pid AND command line, so a recycled pid is never
// signalled. Pid files live in .lab/run/.
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export function cmdline(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return raw ? raw.replace(/\0$/, '').split('\0') : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (an exited child nobody reaped yet counts as gone). */
export function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export type ArgvMatch = (argv: string[]) => boolean;

/** Every running process whose argv matches: finds what a crashed run left without pid files. */
export function findProcesses(match: ArgvMatch): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const argv = cmdline(pid);
    if (argv && isRunning(pid) && match(argv)) pids.push(pid);
  }
  return pids;
}

export function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function writePid(file: string, pid: number): void {
  writeFileSync(file, `${pid}\n`);
}

export function removePid(file: string): void {
  rmSync(file, { force: true });
}

/** The pid from `file` if that process is still the one we started. */
export function livePid(file: string, match: ArgvMatch): number | undefined {
  const pid = readPid(file);
  if (pid === undefined || !isRunning(pid)) return undefined;
  const argv = cmdline(pid);
  return argv && match(argv) ? pid : undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitGone(pids: number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = pids.filter(isRunning);
  while (left.length && Date.now() < deadline) {
    await sleep(100);
    left = left.filter(isRunning);
  }
  return left;
}

/** SIGTERM, a bounded wait, then SIGKILL for whatever is left. Resolves when all are gone. */
export async function terminate(pids: number[], graceMs = 10_000): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const stubborn = await waitGone(pids, graceMs);
  for (const pid of stubborn) signal(pid, 'SIGKILL');
  await waitGone(stubborn, 5_000);
}
