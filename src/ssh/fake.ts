// A recording fake Transport for unit tests of code above the SSH layer: no network, every call
// kept in order so a test can assert on the exact commands a task sends.

import type { ExecOptions, ExecResult, Transport, TransportStats } from './types.ts';
import { buildCommand } from './command.ts';

export type FakeCall =
  | { kind: 'exec'; command: string[] | string; line: string; stdin?: string; become: boolean }
  | { kind: 'put'; remotePath: string; content: Buffer | { localPath: string }; mode?: number }
  | { kind: 'forward'; remoteHost: string; remotePort: number; localPort?: number };

/**
 * Answers one exec. `cmd` is the command line as it would be sent (argv quoted; a script as
 * `sh -c '...'`; with become, wrapped in `sudo -n -- sh -c`). Return a partial result: missing
 * fields default to code 0 and empty output.
 */
export type FakeHandler = (cmd: string, stdin?: string) => Partial<ExecResult> | Promise<Partial<ExecResult>>;

export interface FakeTransport extends Transport {
  readonly calls: FakeCall[];
  /** Command lines of the exec calls, in order. */
  readonly commands: string[];
  /** Uploaded content by remote path (last write wins). */
  readonly files: Map<string, Buffer | { localPath: string }>;
  readonly closed: boolean;
}

export interface FakeOptions {
  /** Same meaning as host.ssh.become for a non-root user; default false. */
  become?: boolean;
}

export function createFakeTransport(
  host: string,
  handler: FakeHandler = () => ({}),
  options: FakeOptions = {},
): FakeTransport {
  const calls: FakeCall[] = [];
  const files = new Map<string, Buffer | { localPath: string }>();
  const stats: TransportStats = { roundTrips: 0, bytesSent: 0, bytesReceived: 0 };
  let closed = false;
  const ensureOpen = (): void => {
    if (closed) throw new Error(`${host}: fake transport used after close()`);
  };
  return {
    host,
    stats,
    calls,
    files,
    get commands() {
      return calls.flatMap((c) => (c.kind === 'exec' ? [c.line] : []));
    },
    get closed() {
      return closed;
    },
    async exec(command: string[] | string, opts: ExecOptions = {}): Promise<ExecResult> {
      ensureOpen();
      opts.signal?.throwIfAborted();
      const become = (opts.become ?? true) && options.become === true;
      const line = buildCommand(command, { become });
      const stdin = opts.stdin === undefined ? undefined : opts.stdin.toString();
      calls.push(
        stdin === undefined ? { kind: 'exec', command, line, become } : { kind: 'exec', command, line, stdin, become },
      );
      stats.roundTrips++;
      stats.bytesSent += Buffer.byteLength(line) + (stdin === undefined ? 0 : Buffer.byteLength(stdin));
      const r = await handler(line, stdin);
      const result: ExecResult = {
        code: r.code === undefined ? 0 : r.code,
        stdout: r.stdout ?? '',
        stderr: r.stderr ?? '',
      };
      if (r.signal !== undefined) result.signal = r.signal;
      if (result.stdout && opts.onStdout) {
        await opts.onStdout(Buffer.from(result.stdout));
        result.stdout = ''; // like the real transport: streamed output is not also collected
      }
      if (result.stderr) await opts.onStderr?.(Buffer.from(result.stderr));
      stats.bytesReceived += Buffer.byteLength(result.stdout) + Buffer.byteLength(result.stderr);
      return result;
    },
    async put(source, remotePath, opts = {}) {
      ensureOpen();
      calls.push(
        opts.mode === undefined
          ? { kind: 'put', remotePath, content: source }
          : { kind: 'put', remotePath, content: source, mode: opts.mode },
      );
      files.set(remotePath, source);
      stats.roundTrips++;
      if (Buffer.isBuffer(source)) stats.bytesSent += source.length;
    },
    async forward(remoteHost, remotePort, localPort) {
      ensureOpen();
      calls.push(
        localPort === undefined
          ? { kind: 'forward', remoteHost, remotePort }
          : { kind: 'forward', remoteHost, remotePort, localPort },
      );
      return { localPort: localPort ?? 0, close: async () => undefined };
    },
    async close() {
      closed = true;
    },
  };
}
