// Talking to lab hosts with the system ssh client: strict host-key checking against the lab's
// known_hosts, the lab key only, no user ssh config. Used for readiness and by tests.
import { setTimeout as sleep } from 'node:timers/promises';
import { $ } from 'zx';
import { LabError } from './errors.ts';
import { isRunning } from './proc.ts';

export interface SshFiles {
  keyPath: string;
  knownHostsPath: string;
}

export function sshArgs(files: SshFiles, connectTimeoutSec = 5): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    files.keyPath,
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${files.knownHostsPath}`,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `ConnectTimeout=${connectTimeoutSec}`,
    '-o',
    'LogLevel=ERROR',
  ];
}

/** Runs `command` on the host (one remote shell string); never throws for a non-zero exit. */
export async function sshRun(files: SshFiles, address: string, command: string, user = 'root') {
  const r = await $({
    nothrow: true,
    quiet: true,
    timeout: '60s',
  })`ssh ${sshArgs(files)} ${`${user}@${address}`} ${command}`;
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

export async function sshOk(files: SshFiles, address: string, user = 'root'): Promise<boolean> {
  const r = await $({
    nothrow: true,
    quiet: true,
    timeout: '10s',
  })`ssh ${sshArgs(files, 2)} ${`${user}@${address}`} true`;
  return r.exitCode === 0;
}

export interface BootingHost {
  name: string;
  address: string;
  pid: number;
}

/** Waits until every host answers SSH; one error naming every host that did not come up. */
export async function waitForSsh(
  files: SshFiles,
  hosts: BootingHost[],
  timeoutMs: number,
  describe: (name: string) => string = () => '',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const waitOne = async (h: BootingHost): Promise<void> => {
    for (;;) {
      if (!isRunning(h.pid))
        throw new LabError(
          `${h.name} (${h.address}): systemd-nspawn (pid ${h.pid}) exited while booting${describe(h.name)}`,
        );
      if (await sshOk(files, h.address)) return;
      if (Date.now() > deadline) {
        throw new LabError(
          `${h.name} (${h.address}) did not answer SSH within ${Math.round(timeoutMs / 1000)} s${describe(h.name)}`,
        );
      }
      await sleep(300);
    }
  };
  const results = await Promise.allSettled(hosts.map(waitOne));
  const failures = results.flatMap((r) =>
    r.status === 'rejected' ? [r.reason instanceof Error ? r.reason.message : String(r.reason)] : [],
  );
  if (failures.length) throw new LabError(failures.join('\n'));
}
