// A Transport that runs commands on this machine with sh: real facts, real files, no SSH. Lets the
// module and runner tests exercise the exact scripts the hosts receive, inside a temp directory.
import { spawn } from 'node:child_process';
import { copyFile, chmod } from 'node:fs/promises';
import { buildCommand } from '../../../src/ssh/command.ts';
import type { ExecOptions, ExecResult, Transport } from '../../../src/ssh/types.ts';

let connections = 0;

/**
 * `env`: what the commands see (e.g. a PATH with stand-ins for the host's systemctl in front);
 * like sshd, each transport gets its own SSH_CONNECTION unless given.
 */
export function localTransport(
  host = 'local',
  env: Record<string, string | undefined> = {},
): Transport & { commands: string[] } {
  const session = { SSH_CONNECTION: `127.0.0.1 ${process.pid} 127.0.0.1 ${++connections}`, ...env };
  const commands: string[] = [];
  const stats = { roundTrips: 0, bytesSent: 0, bytesReceived: 0 };
  return {
    host,
    stats,
    commands,
    exec(command: string[] | string, opts: ExecOptions = {}): Promise<ExecResult> {
      const line = buildCommand(command, { become: false });
      commands.push(line);
      stats.roundTrips++;
      return new Promise((resolve) => {
        const child = spawn('sh', ['-c', line], {
          stdio: ['pipe', 'pipe', 'pipe'],
          env: { ...process.env, ...session },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (opts.onStdout ? opts.onStdout(d) : (stdout += d)));
        child.stderr.on('data', (d: Buffer) => ((stderr += d), opts.onStderr?.(d)));
        child.on('close', (code, signal) => resolve({ code, stdout, stderr, ...(signal ? { signal } : {}) }));
        child.stdin.on('error', () => undefined);
        opts.signal?.addEventListener('abort', () => child.kill('SIGTERM'), { once: true });
        // like the SSH transport: stdin held open until asked, then EOF
        if (opts.stdinUntil && !opts.stdinUntil.aborted)
          opts.stdinUntil.addEventListener('abort', () => child.stdin.end(), { once: true });
        else child.stdin.end(opts.stdin ?? '');
      });
    },
    async put(source, remotePath, opts = {}) {
      stats.roundTrips++;
      if (Buffer.isBuffer(source)) {
        const { writeFile } = await import('node:fs/promises');
        await writeFile(remotePath, source);
      } else {
        await copyFile(source.localPath, remotePath);
      }
      if (opts.mode !== undefined) await chmod(remotePath, opts.mode);
    },
    async forward() {
      throw new Error('no forwarding in the local transport');
    },
    async close() {},
  };
}
