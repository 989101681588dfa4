// The CLI as a child process, as an operator runs it: exit codes, stdout, and signals are real.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node scripts/<op>.js ...args` (what `pnpm run <op>` runs), without pnpm in between, so signals reach it. */
export function spawnCli(op: string, args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { out: () => CliResult } {
  const child = spawn(process.execPath, [join(ROOT, 'scripts', `${op}.js`), ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return Object.assign(child, { out: () => ({ code: child.exitCode, stdout, stderr }) });
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function runCli(op: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const child = spawnCli(op, args, env);
  await exited(child);
  // 'exit' can precede the last 'data' events of the pipes
  await new Promise((r) => setTimeout(r, 50));
  return child.out();
}

/** Resolves with the first match of re in the child's stdout+stderr, or rejects after timeoutMs. */
export function waitForOutput(child: ReturnType<typeof spawnCli>, re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const tick = setInterval(() => {
      const o = child.out();
      const m = re.exec(o.stdout + o.stderr);
      if (m) return done(() => resolve(m));
      if (child.exitCode !== null) done(() => reject(new Error(`exited ${child.exitCode} before ${re}:\n${o.stdout}\n${o.stderr}`)));
    }, 50);
    const timer = setTimeout(() => done(() => reject(new Error(`no ${re} within ${timeoutMs} ms:\n${child.out().stdout}\n${child.out().stderr}`))), timeoutMs);
    const done = (f: () => void) => (clearInterval(tick), clearTimeout(timer), f());
  });
}

/** deploy the lab inventory (optionally limited), failing the test with the CLI's output. */
export async function deploy(inventory: string, limit?: string): Promise<void> {
  const r = await runCli('deploy', ['--hosts', inventory, ...(limit ? ['--limit', limit] : [])]);
  if (r.code !== 0) throw new Error(`deploy exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
}
