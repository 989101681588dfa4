// Shared by the day-2 e2e files: run the CLI as a user would (a child process, so exit codes and
// Ctrl-C are real), deploy the lab inventory first, read unit properties over the lab's ssh.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sshRun, type LabInfo } from '../../lab/index.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `envoy-k8s-proxy <args>` in a child process; env adds to (or overrides) the test's environment. */
export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, ['bin/envoy-k8s-proxy.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function collect(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return collect(spawnCli(args, env));
}

/** Every file starts from a converged fleet: deploy the lab inventory (idempotent, fast when done). */
export async function deployLab(lab: LabInfo): Promise<void> {
  const r = await cli(['deploy', '--hosts', lab.inventoryPath]);
  if (r.code !== 0) throw new Error(`deploy failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
}

export async function onHost(lab: LabInfo, name: string, command: string): Promise<string> {
  const h = lab.hosts.find((x) => x.name === name)!;
  const r = await sshRun(lab, h.address, command);
  if (r.code !== 0) throw new Error(`${name}: ${command}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** MainPID and ExecMainStartTimestamp: changes exactly when the service was (re)started. */
export async function unitStart(lab: LabInfo, name: string): Promise<string> {
  return (await onHost(lab, name, 'systemctl show envoy-k8s-proxy.service -p MainPID,ExecMainStartTimestamp,ActiveState --value')).trim();
}
