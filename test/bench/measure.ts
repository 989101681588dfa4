// Measuring one child process: wall time (here), peak RSS and CPU time (GNU time's rusage of the
// child), and the parallel `ssh true` floor. Wall times use the monotonic clock.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabInfo } from '../lab/index.ts';
import { sshArgs } from '../lab/index.ts';

const GNU_TIME = '/usr/bin/time';

export interface Timed {
  code: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  /** Max RSS of the child (GNU time %M), MiB. */
  maxRssMiB: number;
  /** user + system CPU of the child, ms: what it cost the 2 cores, whatever else was running. */
  cpuMs: number;
}

export function checkGnuTime(): void {
  const r = spawnSync(GNU_TIME, ['-f', '%M', 'true'], { encoding: 'utf8' });
  if (r.error || r.status !== 0)
    throw new Error(`${GNU_TIME} not usable (${r.error?.message ?? r.stderr.trim()}): apt-get install -y time`);
}

/** Runs `cmd args` under GNU time; stdout and stderr are collected, never printed. */
export function runTimed(
  cmd: string,
  args: string[],
  o: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Timed> {
  const dir = mkdtempSync(join(tmpdir(), 'ekp-bench-time-'));
  const out = join(dir, 'rusage');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    // %e wall, %M max RSS KiB, %U/%S CPU seconds; written to a file so the child's stderr stays its own
    const child = spawn(GNU_TIME, ['-o', out, '-f', '%M %U %S', cmd, ...args], {
      cwd: o.cwd,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 600_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let usage = '';
      try {
        usage = readFileSync(out, 'utf8');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      // GNU time writes "Command exited with non-zero status N" first when the child failed
      const last = usage.trim().split('\n').pop() ?? '';
      const [rss, user, sys] = last.split(' ').map(Number);
      resolve({
        code,
        stdout,
        stderr,
        wallMs,
        maxRssMiB: (rss ?? NaN) / 1024,
        cpuMs: ((user ?? NaN) + (sys ?? NaN)) * 1000,
      });
    });
  });
}

/**
 * The floor: one OpenSSH `ssh host true` to every host at once (new connection each, no
 * multiplexing), from one `sh` under GNU time so the ssh clients' CPU (control side) is known too.
 */
export async function sshFloor(lab: LabInfo): Promise<{ wallMs: number; clientCpuMs: number }> {
  const args = [...sshArgs(lab), '-o', 'ControlMaster=no', '-o', 'ControlPath=none'];
  const ssh = ['ssh', ...args].map(shq).join(' ');
  // a failed login names itself; the floor only counts when every login worked
  const script = `for a; do ${ssh} "root@$a" true </dev/null >/dev/null 2>&1 || echo "$a: ssh exit $?" & done; wait`;
  const t = await runTimed('sh', ['-c', script, 'sh', ...lab.hosts.map((h) => h.address)], {
    cwd: process.cwd(),
    env: process.env,
  });
  if (t.code !== 0 || t.stdout.trim()) throw new Error(`ssh floor: ${t.stdout.trim() || t.stderr.trim()}`);
  return { wallMs: t.wallMs, clientCpuMs: t.cpuMs };
}

/** Single-quotes a control-side shell word (the lab's own paths and options). */
function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The sample with the median wall time (the lower middle for an even count), its other figures as measured. */
export function medianBy<T>(samples: T[], key: (s: T) => number): T {
  if (samples.length === 0) throw new Error('median of no samples');
  const sorted = [...samples].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}
