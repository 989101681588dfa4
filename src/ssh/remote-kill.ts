// Stopping a remote command on abort or timeout. Closing the channel is not enough: sshd keeps a
// session open while its command lives, and the command never notices. Two ways, both used:
// - an SSH "signal" request: OpenSSH >= 7.9 killpg()s the session, but refuses it for root
//   logins ("session signalling requires privilege separation": root sessions skip privsep);
// - a `kill -- -PGID` on a second channel. sshd makes each session's shell a process-group leader,
//   and the command line reports that shell's PID on stderr first, where we take it out again.

import type { Client, ClientChannel } from 'ssh2';
import { quote } from './quote.ts';

const MARKER = 'EKP-SESSION-PID:';

/** Prefix a command line so the remote login shell reports its PID (= process group) first. */
export function reportingPid(line: string): string {
  return `printf '${MARKER}%s\\n' "$$" >&2; ${line}`;
}

/** Removes the PID report from stderr; passes everything else (e.g. a noisy .bashrc) through. */
export class PidSniffer {
  pid?: number;
  private pending: Buffer | undefined = Buffer.alloc(0);
  private readonly waiters: Array<(pid: number | undefined) => void> = [];

  feed(chunk: Buffer): Buffer {
    if (this.pending === undefined) return chunk;
    const buf = Buffer.concat([this.pending, chunk]);
    const at = buf.indexOf(MARKER);
    const nl = at < 0 ? -1 : buf.indexOf(0x0a, at);
    if (nl >= 0) {
      this.pending = undefined;
      this.pid = Number(buf.subarray(at + MARKER.length, nl).toString('latin1')) || undefined;
      this.settle();
      return Buffer.concat([buf.subarray(0, at), buf.subarray(nl + 1)]);
    }
    if (buf.length > 65536) return this.end(buf); // never saw it: stop looking
    this.pending = buf;
    return Buffer.alloc(0);
  }

  /** The stream ended (or we gave up): returns what was held back. */
  end(extra = Buffer.alloc(0)): Buffer {
    const rest = this.pending === undefined ? extra : Buffer.concat([this.pending, extra]);
    this.pending = undefined;
    this.settle();
    return rest;
  }

  whenKnown(): Promise<number | undefined> {
    if (this.pending === undefined) return Promise.resolve(this.pid);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private settle(): void {
    for (const w of this.waiters.splice(0)) w(this.pid);
  }
}

interface ChannelInternals {
  outgoing?: { id?: number; state?: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
}

/**
 * ssh2's Channel.signal() silently does nothing once our side sent EOF (it checks `writable`),
 * and we always send EOF after stdin: so send the channel request directly.
 */
export function sendSignal(channel: ClientChannel, name: string): void {
  const c = channel as unknown as ChannelInternals;
  try {
    const id = c.outgoing?.id;
    const proto = c._client?._protocol;
    const state = c.outgoing?.state;
    // 'eof' = we closed stdin; the channel itself is still open and accepts requests.
    if ((state === 'open' || state === 'eof') && id !== undefined && proto) proto.signal(id, name);
    else channel.signal(name);
  } catch {
    /* channel already gone */
  }
}

/**
 * Kills remote process groups through one extra exec channel per batch: when a run is aborted,
 * every command on the host is stopped with a single `kill`. Not counted in the exec semaphore:
 * 8 exec channels + SFTP + this one = sshd's default MaxSessions of 10.
 */
export class GroupKiller {
  private readonly queued = new Map<string, Set<number>>();
  private scheduled = false;

  constructor(
    private readonly client: Client,
    private readonly become: boolean,
  ) {}

  kill(pid: number, signal: 'TERM' | 'KILL'): void {
    let set = this.queued.get(signal);
    if (!set) this.queued.set(signal, (set = new Set()));
    set.add(pid);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    const parts: string[] = [];
    for (const [signal, pids] of this.queued) {
      parts.push(`kill -${signal} -- ${[...pids].map((p) => `-${p}`).join(' ')} 2>/dev/null`);
    }
    this.queued.clear();
    if (parts.length === 0) return;
    const script = `${parts.join('; ')}; true`;
    const line = this.become ? `sudo -n -- sh -c ${quote(script)}` : script;
    try {
      this.client.exec(line, (err, channel) => {
        if (err) return; // connection gone: its sessions die with it
        channel.on('error', () => undefined);
        channel.resume();
        channel.stderr.resume();
        channel.end();
      });
    } catch {
      /* connection already closed */
    }
  }
}
