// The one small transport interface every remote operation goes through.

export interface ExecOptions {
  /** Data written to the command's stdin, then closed. */
  stdin?: string | Buffer;
  /** Run through sudo -n when the host's ssh.become is set (default true when become is on). */
  become?: boolean;
  /** Deadline: default the host's ssh.commandTimeout; 0 = none (a stream, the run lock's holder). */
  timeoutMs?: number;
  /** What "no answer from …" names on expiry; default a summary of the command. */
  what?: string;
  /** Keep stdin open (no EOF) until this signal fires: the command lives as long as the channel. */
  stdinUntil?: AbortSignal;
  /**
   * Stream stdout to this callback as it arrives (logs --follow) instead of collecting it: the
   * result's stdout is then empty. A returned promise pauses the channel until it settles
   * (backpressure from a slow reader).
   */
  onStdout?: (chunk: Buffer) => void | Promise<void>;
  /** Same for stderr; the result then keeps only stderr's last 64 KiB. */
  onStderr?: (chunk: Buffer) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number | null; // null when killed by a signal
  signal?: string;
  stdout: string;
  stderr: string;
}

export interface TransportStats {
  roundTrips: number; // exec + put calls that waited on the host
  bytesSent: number;
  bytesReceived: number;
}

export interface Transport {
  readonly host: string; // inventory host name
  /** argv form is quoted by the transport's one quoting function; a string is run as a sh script. */
  exec(command: string[] | string, opts?: ExecOptions): Promise<ExecResult>;
  /** Upload bytes (or a local file) to remotePath atomically enough for temp files (SFTP). */
  /** Its deadline (default ssh.commandTimeout) restarts with each chunk written. */
  put(
    source: Buffer | { localPath: string },
    remotePath: string,
    opts?: { mode?: number; timeoutMs?: number },
  ): Promise<void>;
  /** Local TCP port forward to remoteHost:remotePort as seen from the host (admin tunnel). */
  forward(
    remoteHost: string,
    remotePort: number,
    localPort?: number,
  ): Promise<{ localPort: number; close(): Promise<void> }>;
  readonly stats: TransportStats;
  close(): Promise<void>;
}
