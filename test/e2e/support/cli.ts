// Running the real CLI (as a user would: a child process) and shaping lab inventories for e2e tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { LabInfo } from '../../lab/index.ts';
import { sshRun } from '../../lab/index.ts';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const BIN = join(REPO, 'bin/envoy-k8s-proxy.js');
/** One control-side release cache per test run, so a run never depends on a developer's cache. */
export const CACHE = mkdtempSync(join(tmpdir(), 'ekp-e2e-cache-'));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: REPO,
      env: { ...process.env, EKP_CACHE_DIR: CACHE, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 170_000);
    child.on('close', (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
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

/** Unit start time and main pid: unchanged means no restart happened. */
export async function unitStart(lab: LabInfo, name: string): Promise<string> {
  return (await onHost(lab, name, 'systemctl show envoy-k8s-proxy -p ExecMainStartTimestampMonotonic,MainPID --value')).trim();
}

/** sha256 of every file the tool manages on a host, for before/after comparisons. */
export async function managedFiles(lab: LabInfo, name: string): Promise<string> {
  return onHost(lab, name, 'find /etc/envoy-k8s-proxy /opt/envoy-k8s-proxy /etc/systemd/system/envoy-k8s-proxy.service -xdev \\( -type f -o -type l \\) 2>/dev/null | sort | while read -r f; do if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; else sha256sum "$f"; fi; done');
}

/** Everything the tool may leave on a host (its manifest in /var/lib too), for before/after comparisons. */
export const TRACE =
  "find /etc /opt /var/log /usr/local /srv -xdev 2>/dev/null | grep -v -e '^/var/log/journal' -e '^/etc/ssh' | sort; " +
  'find /var/lib -maxdepth 1 | sort; getent passwd | cut -d: -f1 | sort; getent group | cut -d: -f1 | sort';
