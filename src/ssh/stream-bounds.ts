// Bounds for an exec whose output is streamed (logs -f): a slow reader pauses the SSH channel
// instead of queueing output, and the stderr kept for the result is only its tail.
import type { Readable } from 'node:stream';

/** Streamed stderr kept for the result (the error message): its last 64 KiB. */
export const STREAMED_STDERR_TAIL = 64 * 1024;

/**
 * Pauses the channel's streams while a callback's promise is pending. ssh2 then stops granting
 * window to the host once its 2 MiB buffer is full, so the host stops sending: memory stays bounded
 * by the SSH window, whatever the host writes.
 */
export class Backpressure {
  private pending = 0;
  private released = false;

  constructor(private readonly streams: Readable[]) {}

  /** A streaming callback's return value: a promise pauses the streams until it settles. */
  hold(ret: unknown): void {
    if (this.released || typeof (ret as PromiseLike<unknown> | undefined)?.then !== 'function') return;
    if (this.pending++ === 0) for (const s of this.streams) s.pause();
    const done = (): void => {
      if (--this.pending === 0 && !this.released) for (const s of this.streams) s.resume();
    };
    (ret as PromiseLike<unknown>).then(done, done);
  }

  /** Stop waiting for the reader (abort, timeout): the channel must drain to close. */
  release(): void {
    this.released = true;
    for (const s of this.streams) s.resume();
  }
}

/** The last `max` bytes pushed (all of them when max is Infinity). */
export class Tail {
  private parts: Buffer[] = [];
  private size = 0;

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.parts.push(chunk);
    this.size += chunk.length;
    while (this.parts.length > 1 && this.size - this.parts[0]!.length >= this.max)
      this.size -= this.parts.shift()!.length;
  }

  toString(): string {
    const all = Buffer.concat(this.parts);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}
