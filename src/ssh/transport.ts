// The Transport over one SSH connection per host: exec channels (at most 8 at once, sshd allows
// 10 sessions and the SFTP session takes one), one lazily opened SFTP session, port forwards.
// Every exec and upload has a deadline (the host's ssh.commandTimeout unless the caller sets one).

import type { Client } from 'ssh2';
import { SftpSession, transferFile } from './sftp-transfer.ts';
import { ToolError } from '../errors.ts';
import type { HostSpec } from '../inventory/types.ts';
import { buildCommand } from './command.ts';
import { commandSummary, Deadline, formatWait } from './deadline.ts';
import { openForward, type Forward } from './forward.ts';
import { GroupKiller, PidSniffer, reportingPid, sendSignal } from './remote-kill.ts';
import { Semaphore } from './semaphore.ts';
import { Backpressure, STREAMED_STDERR_TAIL, Tail } from './stream-bounds.ts';
import type { ExecOptions, ExecResult, Transport, TransportStats } from './types.ts';

export const MAX_CHANNELS = 8;
/** After SIGTERM, how long the remote command gets before SIGKILL (and then before we give up). */
const KILL_GRACE_MS = 2000;

export interface TransportOptions {
  maxChannels?: number;
  /** Runs after the connection closed (e.g. close the ProxyJump bastion). */
  onClose?: () => Promise<void> | void;
}

function short(cmd: string): string {
  return cmd.length > 200 ? `${cmd.slice(0, 200)}…` : cmd;
}

class SshTransport implements Transport {
  readonly host: string;
  readonly stats: TransportStats = { roundTrips: 0, bytesSent: 0, bytesReceived: 0 };
  private readonly channels: Semaphore;
  private readonly sftp: SftpSession;
  private readonly forwards = new Set<Forward>();
  private closed?: Error;
  private closing?: Promise<void>;
  private readonly closedEvent: Promise<void>;
  private readonly killer: GroupKiller;

  constructor(
    private readonly spec: HostSpec,
    private readonly client: Client,
    private readonly opts: TransportOptions,
  ) {
    this.host = spec.name;
    this.channels = new Semaphore(opts.maxChannels ?? MAX_CHANNELS);
    this.sftp = new SftpSession(client, (action, err) => this.lost(action, err));
    this.killer = new GroupKiller(client, spec.ssh.become && spec.ssh.user !== 'root');
    // After node-ssh's connect resolves nobody listens for 'error': an unhandled one would crash.
    client.on('error', (err: Error) => {
      this.closed ??= err;
    });
    this.closedEvent = new Promise((resolve) => {
      client.once('close', () => {
        this.closed ??= new Error('connection closed');
        resolve();
      });
    });
  }

  private lost(action: string, cause?: unknown): ToolError {
    const why = (cause as Error | undefined)?.message ?? this.closed?.message ?? 'connection closed';
    return new ToolError('connect', `${action}: connection to ${this.spec.address} lost (${why})`, {
      host: this.host,
      cause,
    });
  }

  private abandon(): void {
    this.closed ??= new Error('the host stopped answering');
    this.client.destroy();
  }

  private checkOpen(action: string): void {
    if (this.closed || this.closing) throw this.lost(action);
  }

  async exec(command: string[] | string, opts: ExecOptions = {}): Promise<ExecResult> {
    const ssh = this.spec.ssh;
    const become = (opts.become ?? true) && ssh.become && ssh.user !== 'root';
    const line = buildCommand(command, { become });
    const { signal } = opts;
    if (signal?.aborted)
      throw new ToolError('interrupted', `interrupted before running: ${short(line)}`, { host: this.host });
    this.checkOpen(`cannot run ${short(line)}`);
    let release: () => void;
    try {
      release = await this.channels.acquire(signal);
    } catch {
      throw new ToolError('interrupted', `interrupted before running: ${short(line)}`, { host: this.host });
    }
    try {
      this.checkOpen(`cannot run ${short(line)}`);
      this.stats.roundTrips++;
      return await this.run(line, opts, opts.what ?? commandSummary(command, opts.stdin));
    } finally {
      release();
    }
  }

  private run(line: string, opts: ExecOptions, what: string): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      const wire = reportingPid(line);
      const ms = opts.timeoutMs ?? this.spec.ssh.commandTimeoutMs;
      const noAnswer = new ToolError('remote', `no answer from ${what} within ${formatWait(ms)}`, { host: this.host });
      // runs from the request on: a host that never even opens the channel is as hung
      let expired: (() => void) | undefined;
      const deadline = new Deadline(ms, () => (expired ? expired() : reject(noAnswer)));
      this.client.exec(wire, (err, channel) => {
        if (deadline.expired) return err ? undefined : channel.close();
        if (err) {
          deadline.clear();
          return reject(this.lost(`cannot run ${short(line)}`, err));
        }
        this.stats.bytesSent += Buffer.byteLength(wire);
        const out: Buffer[] = [];
        const errOut = new Tail(opts.onStderr ? STREAMED_STDERR_TAIL : Infinity);
        const flow = new Backpressure([channel, channel.stderr]);
        const sniffer = new PidSniffer();
        let code: number | null = null;
        let exitSignal: string | undefined;
        let stopped: ToolError | undefined;
        const timers: NodeJS.Timeout[] = [];

        const onErr = (chunk: Buffer): void => {
          if (chunk.length === 0) return;
          this.stats.bytesReceived += chunk.length;
          if (stopped) return; // nobody reads the result of a stopped command
          errOut.push(chunk);
          flow.hold(opts.onStderr?.(chunk));
        };
        channel.on('data', (chunk: Buffer) => {
          this.stats.bytesReceived += chunk.length;
          if (stopped) return;
          // a streaming caller (logs -f) gets the chunks; keeping them too would grow forever
          if (opts.onStdout) flow.hold(opts.onStdout(chunk));
          else out.push(chunk);
        });
        channel.stderr.on('data', (chunk: Buffer) => {
          onErr(sniffer.feed(chunk));
        });
        channel.stderr.on('end', () => onErr(sniffer.end()));
        channel.on('exit', (c: number | null, sig?: string) => {
          code = c ?? null;
          if (sig) exitSignal = sig;
        });
        channel.on('error', () => undefined); // reported through 'close' and the exit status

        const signalRemote = (sig: 'TERM' | 'KILL'): void => {
          sendSignal(channel, sig);
          void sniffer.whenKnown().then((pid) => {
            if (pid !== undefined && !this.closed) this.killer.kill(pid, sig);
          });
        };
        const stop = (why: ToolError): void => {
          if (stopped) return;
          stopped = why;
          flow.release();
          signalRemote('TERM');
          timers.push(setTimeout(() => signalRemote('KILL'), KILL_GRACE_MS));
          // Still open after both: the host no longer answers. Drop the connection, so nothing else
          // on it (the run lock, the goodbye) waits for it too; sshd ends the sessions when it can.
          timers.push(setTimeout(() => (reject(why), this.abandon()), 2 * KILL_GRACE_MS));
        };
        const onAbort = (): void =>
          stop(
            new ToolError('interrupted', `interrupted: ${short(line)}`, {
              host: this.host,
              cause: opts.signal?.reason,
            }),
          );
        opts.signal?.addEventListener('abort', onAbort, { once: true });
        expired = () => stop(noAnswer);
        // aborted while the request was on its way: the command may already run on the host
        if (opts.signal?.aborted) onAbort();

        channel.on('close', () => {
          deadline.clear();
          for (const t of timers) clearTimeout(t);
          opts.signal?.removeEventListener('abort', onAbort);
          onErr(sniffer.end());
          if (stopped) return reject(stopped);
          if (code === null && exitSignal === undefined && this.closed) {
            return reject(this.lost(`while running ${short(line)}`));
          }
          const result: ExecResult = {
            code,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: errOut.toString(),
          };
          if (exitSignal) result.signal = exitSignal;
          resolve(result);
        });

        // Send EOF: a command reading stdin must not wait for input that never comes. Unless asked
        // to hold it: a holder reading stdin then lives exactly as long as the channel.
        const data =
          opts.stdin === undefined ? undefined : typeof opts.stdin === 'string' ? Buffer.from(opts.stdin) : opts.stdin;
        this.stats.bytesSent += data?.length ?? 0;
        const until = opts.stdinUntil;
        if (until && !until.aborted) {
          if (data) channel.write(data);
          until.addEventListener('abort', () => channel.end(), { once: true });
        } else {
          channel.end(data);
        }
      });
    });
  }

  async put(
    source: Buffer | { localPath: string },
    remotePath: string,
    opts: { mode?: number; timeoutMs?: number } = {},
  ): Promise<void> {
    this.checkOpen(`cannot upload ${remotePath}`);
    const ms = opts.timeoutMs ?? this.spec.ssh.commandTimeoutMs;
    let expire!: (err: ToolError) => void;
    const expired = new Promise<never>((_, reject) => (expire = reject));
    expired.catch(() => undefined);
    // restarted by each chunk written: a big upload may take long, a stalled one may not
    const deadline = new Deadline(ms, () => {
      this.sftp.drop();
      expire(
        new ToolError('remote', `no answer from the upload of ${remotePath} within ${formatWait(ms)}`, {
          host: this.host,
        }),
      );
    });
    try {
      const sftp = await Promise.race([this.sftp.get(), expired]);
      this.stats.roundTrips++;
      const upload = transferFile(sftp, source, remotePath, opts.mode, {
        progress: () => deadline.touch(),
        closed: this.closedEvent,
        lost: () => this.lost(`while uploading ${remotePath}`),
        fail: (err) =>
          new ToolError('remote', `unable to upload ${remotePath}: ${err.message}`, { host: this.host, cause: err }),
        sent: (n) => (this.stats.bytesSent += n),
      });
      await Promise.race([upload, expired]);
    } finally {
      deadline.clear();
    }
  }

  async forward(
    remoteHost: string,
    remotePort: number,
    localPort?: number,
  ): Promise<{ localPort: number; close(): Promise<void> }> {
    this.checkOpen(`cannot forward to ${remoteHost}:${remotePort}`);
    const fwd = await openForward(this.client, remoteHost, remotePort, localPort, (sent, received) => {
      this.stats.bytesSent += sent;
      this.stats.bytesReceived += received;
    });
    this.forwards.add(fwd);
    return {
      localPort: fwd.localPort,
      close: async () => {
        this.forwards.delete(fwd);
        await fwd.close();
      },
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.forwards].map((f) => f.close()));
      this.forwards.clear();
      if (!this.closed) {
        this.client.end();
        // A dead peer may never answer our disconnect: do not hang the run on it.
        await Promise.race([this.closedEvent, new Promise((r) => setTimeout(r, 3000).unref())]);
        if (!this.closed) this.client.destroy();
      }
      await this.opts.onClose?.();
    })();
    return this.closing;
  }
}

export function createTransport(host: HostSpec, client: Client, opts: TransportOptions = {}): Transport {
  return new SshTransport(host, client, opts);
}
