// The one way e2e tests run the CLI: a child process, as an operator runs it, so exit codes,
// output and signals (Ctrl-C) are real; plus lab inventories and commands on lab hosts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { LabInfo } from '../../lab/index.ts';
import { sshRun } from '../../lab/index.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(REPO, 'bin/envoy-k8s-proxy.js');
/** One control-side release cache per test file, so a run never depends on a developer's cache. */
export const CACHE = mkdtempSync(join(tmpdir(), 'ekp-e2e-cache-'));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Added to (or overriding) the test's environment. */
  env?: NodeJS.ProcessEnv;
  /** Start `scripts/<command>.js`, what `pnpm run <command>` runs (without pnpm, so signals reach it). */
  viaScript?: boolean;
  /** false: the caller reads stdout/stderr itself (a flood at its own pace); out() stays empty. */
  keepOutput?: boolean;
}

export type CliChild = ChildProcess & {
  /** What it printed so far, and its exit code once exited. */
  out: () => CliResult;
  /** Settles when it has exited and its output is closed. */
  done: Promise<CliResult>;
};

/** `envoy-k8s-proxy <args>` in a child process; args[0] is the command. */
export function spawnCli(args: string[], opts: CliOptions = {}): CliChild {
  const [command, ...rest] = args;
  const argv = opts.viaScript ? [join(REPO, 'scripts', `${command}.js`), ...rest] : [BIN, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: REPO,
    env: { ...process.env, EKP_CACHE_DIR: CACHE, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  if (opts.keepOutput !== false) {
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  }
  const out = (): CliResult => ({ code: child.exitCode, stdout, stderr });
  // 'close' comes after the last output, unlike 'exit'
  const done = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(child, { out, done });
}

/** Runs the CLI to its end (killed after timeoutMs, under the e2e test timeout). */
export async function runCli(args: string[], opts: CliOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const child = spawnCli(args, opts);
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 170_000);
  try {
    return await child.done;
  } finally {
    clearTimeout(timer);
  }
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Resolves with the first match of re in the child's stdout+stderr, or rejects after timeoutMs. */
export function waitForOutput(child: CliChild, re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const tick = setInterval(() => {
      const o = child.out();
      const m = re.exec(o.stdout + o.stderr);
      if (m) return done(() => resolve(m));
      if (child.exitCode !== null)
        done(() => reject(new Error(`exited ${child.exitCode} before ${re}:\n${o.stdout}\n${o.stderr}`)));
    }, 50);
    const timer = setTimeout(
      () =>
        done(() => reject(new Error(`no ${re} within ${timeoutMs} ms:\n${child.out().stdout}\n${child.out().stderr}`))),
      timeoutMs,
    );
    const done = (f: () => void) => (clearInterval(tick), clearTimeout(timer), f());
  });
}

/** Deploys an inventory (optionally limited), failing the test with the CLI's output. */
export async function deploy(inventory: string, limit?: string): Promise<void> {
  const r = await runCli(['deploy', '--hosts', inventory, ...(limit ? ['--limit', limit] : [])]);
  if (r.code !== 0) throw new Error(`deploy exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
}

/** The lab inventory as data, changed by `edit`, written to a temp file; returns its path. */
export function labInventory(lab: LabInfo, edit: (doc: Record<string, any>) => void = () => {}): string {
  const doc = parse(readFileSync(lab.inventoryPath, 'utf8')) as Record<string, any>;
  edit(doc);
  const dir = mkdtempSync(join(tmpdir(), 'ekp-inv-'));
  const file = join(dir, 'lab.yaml');
  writeFileSync(file, stringify(doc));
  return file;
}

export async function onHost(lab: LabInfo, name: string, command: string): Promise<string> {
  const h = lab.hosts.find((x) => x.name === name);
  if (!h) throw new Error(`no lab host ${name}`);
  const r = await sshRun(lab, h.address, command);
  if (r.code !== 0) throw new Error(`${name}: ${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** Unit start time and main pid: unchanged means no restart (and no stop) happened. */
export async function unitStart(lab: LabInfo, name: string): Promise<string> {
  return (
    await onHost(lab, name, 'systemctl show envoy-k8s-proxy -p ExecMainStartTimestampMonotonic,MainPID --value')
  ).trim();
}

/** sha256 of every file the tool manages on a host, for before/after comparisons. */
export async function managedFiles(lab: LabInfo, name: string): Promise<string> {
  return onHost(
    lab,
    name,
    'find /etc/envoy-k8s-proxy /opt/envoy-k8s-proxy /etc/systemd/system/envoy-k8s-proxy.service -xdev \\( -type f -o -type l \\) 2>/dev/null | sort | while read -r f; do if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else sha256sum "$f"; fi; done',
  );
}

/** Everything the tool may leave on a host (its manifest in /var/lib too, the VIP's lo copy and ARP sysctls), for before/after comparisons. */
export const TRACE =
  "find /etc /opt /var/log /usr/local /srv -xdev 2>/dev/null | grep -v -e '^/var/log/journal' -e '^/etc/ssh' | sort; " +
  'find /var/lib -maxdepth 1 | sort; getent passwd | cut -d: -f1 | sort; getent group | cut -d: -f1 | sort; ' +
  'ip -o addr show dev lo; sysctl net.ipv4.conf.all.arp_ignore net.ipv4.conf.all.arp_announce';
