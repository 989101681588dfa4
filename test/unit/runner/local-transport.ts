// A Transport that runs commands on this machine with sh: real facts, real files, no SSH. Lets the
// module and runner tests exercise the exact scripts the hosts receive, inside a temp directory.
import { spawn } from 'node:child_process';
import { copyFile, chmod } from 'node:fs/promises';
import { buildCommand } from '../../../src/ssh/command.ts';
import type { ExecOptions, ExecResult, Transport } from '../../../src/ssh/types.ts';

/** `env`: e.g. a PATH with stand-ins for the host's systemctl in front. */
export function localTransport(host = 'local', o: { env?: NodeJS.ProcessEnv } = {}): Transport & { commands: string[] } {
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
        const child = spawn('sh', ['-c', line], { stdio: ['pipe', 'pipe', 'pipe'], env: o.env ?? process.env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d));
        child.stderr.on('data', (d: Buffer) => (stderr += d));
        child.on('close', (code, signal) => resolve({ code, stdout, stderr, ...(signal ? { signal } : {}) }));
        child.stdin.on('error', () => undefined);
        child.stdin.end(opts.stdin ?? '');
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
