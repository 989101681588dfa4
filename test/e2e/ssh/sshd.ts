// A throwaway OpenSSH sshd on 127.0.0.1 for the SSH layer's e2e tests: temp host keys, a temp
// user key in a temp authorized_keys, killed at the end. Needs /usr/sbin/sshd and root.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HostSpec } from '../../../src/inventory/types.ts';
export { freePort } from '../../support/net.ts';
import { freePort } from '../../support/net.ts';

export const SSHD = '/usr/sbin/sshd';

/** Why the suite cannot run here, or undefined when it can. */
export function sshdUnavailable(): string | undefined {
  if (!existsSync(SSHD)) return `${SSHD} is missing (apt-get install -y openssh-server)`;
  if (process.getuid?.() !== 0) return 'sshd for the tests must be started as root';
  return undefined;
}

function keygen(file: string, algorithm = 'ed25519'): { pub: string; type: string; blob: string } {
  execFileSync('ssh-keygen', ['-q', '-t', algorithm, '-N', '', '-C', '', '-f', file], { stdio: 'ignore' });
  const pub = readFileSync(`${file}.pub`, 'utf8').trim();
  const [type, blob] = pub.split(/\s+/);
  return { pub, type: type!, blob: blob! };
}

export interface TestSshd {
  dir: string;
  port: number;
  /** The listening sshd's pid: each connection's processes are below it. */
  pid: number;
  /** The host key sshd presents, as a known_hosts line for [127.0.0.1]:port. */
  knownHostsLine: string;
  /** sshd's second host key (ecdsa), presented only to a client that asks for that type. */
  ecdsaKnownHostsLine: string;
  /** An RSA key sshd does not have, same format. */
  rsaKnownHostsLine: string;
  /** A different host key (as if the host were replaced), same format. */
  otherKnownHostsLine: string;
  userKey: string;
  /** A key sshd does not accept. */
  strangerKey: string;
  host(over?: Partial<HostSpec['ssh']>): HostSpec;
  /** sshd's own log so far (stderr with -e), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sshd exited with ${child.exitCode}:\n${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port}:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `extraConfig` gets the directory once the host keys exist (host_ed25519, host_ecdsa) and returns more sshd_config lines. */
export async function startSshd(extraConfig?: (dir: string) => string[]): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'ekp-sshd-'));
  const hostKey = keygen(join(dir, 'host_ed25519'));
  const ecdsaHostKey = keygen(join(dir, 'host_ecdsa'), 'ecdsa');
  const otherHostKey = keygen(join(dir, 'other_host_ed25519'));
  const rsaKey = keygen(join(dir, 'other_host_rsa'), 'rsa');
  const user = keygen(join(dir, 'id_user'));
  keygen(join(dir, 'id_stranger'));
  writeFileSync(join(dir, 'authorized_keys'), `${user.pub}\n`, { mode: 0o600 });
  const port = await freePort();
  const cfg = join(dir, 'sshd_config');
  writeFileSync(
    cfg,
    [
      'ListenAddress 127.0.0.1',
      `Port ${port}`,
      `HostKey ${join(dir, 'host_ed25519')}`,
      `HostKey ${join(dir, 'host_ecdsa')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'StrictModes no',
      `PidFile ${join(dir, 'sshd.pid')}`,
      'UsePAM no',
      'AllowTcpForwarding yes',
      'Subsystem sftp internal-sftp',
      `LogLevel ${process.env.EKP_SSHD_LOGLEVEL ?? 'VERBOSE'}`,
      ...(extraConfig?.(dir) ?? []),
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory
  let log = '';
  const child = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  await waitForPort(port, child, () => log);
  const line = (k: { type: string; blob: string }): string => `[127.0.0.1]:${port} ${k.type} ${k.blob}\n`;
  return {
    dir,
    port,
    pid: child.pid!,
    knownHostsLine: line(hostKey),
    ecdsaKnownHostsLine: line(ecdsaHostKey),
    rsaKnownHostsLine: line(rsaKey),
    otherKnownHostsLine: line(otherHostKey),
    userKey: join(dir, 'id_user'),
    strangerKey: join(dir, 'id_stranger'),
    log: () => log,
    host(over = {}) {
      return {
        name: 'lb1',
        address: '127.0.0.1',
        hardening: 'auto',
        ssh: {
          user: 'root',
          port,
          identityFile: join(dir, 'id_user'),
          knownHosts: join(dir, 'known_hosts'),
          hostKeyChecking: 'strict',
          become: false,
          connectTimeoutMs: 5000,
          commandTimeoutMs: 60_000,
          ...over,
        },
      };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
