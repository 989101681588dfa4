// logs: the remote command that prints (or follows) the service journal or the access log, the
// bounded line splitter that turns chunks into lines, and the gate that waits for a slow reader.
import { StringDecoder } from 'node:string_decoder';
import type { Inventory } from '../inventory/types.ts';
import { UNIT_NAME } from '../render/index.ts';

export interface LogOptions {
  access: boolean;
  lines: number;
  since?: string;
  follow: boolean;
}

/** journalctl for the unit, or tail for the JSON access log; argv quoted by the ssh layer. */
export function logArgv(inv: Inventory, o: LogOptions): string[] {
  if (o.access) {
    // Envoy creates the file on the first connection. -F keeps following across a rotation's rename
    // (and waits for the file to appear); without -f a missing file is no error.
    const tail = `exec tail -n ${o.lines}${o.follow ? ' -F' : ''} -- "$1"`;
    return [
      'sh',
      '-c',
      o.follow ? tail : `[ -e "$1" ] || { echo "no access log yet: $1" >&2; exit 0; }; ${tail}`,
      'sh',
      inv.accessLog.path,
    ];
  }
  return [
    'journalctl',
    '-u',
    UNIT_NAME,
    '--no-pager',
    '--no-hostname',
    '-o',
    'short-iso',
    '-n',
    String(o.lines),
    ...(o.since ? ['--since', o.since] : []),
    ...(o.follow ? ['-f'] : []),
  ];
}

/** A line longer than this is printed cut, with a marker: a host that never ends a line cannot grow memory. */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Splits a byte stream into lines; a partial last line waits for the next chunk (or flush). Works on
 * bytes, so a character split across chunks stays whole. Past maxBytes the line's head is emitted
 * at once with a marker and the rest of it is skipped up to its newline.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private cut = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxBytes = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer | string): void {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let nl = buf.indexOf(0x0a); nl >= 0; nl = buf.indexOf(0x0a)) {
      this.add(buf.subarray(0, nl));
      if (!this.cut) this.emit();
      this.reset();
      buf = buf.subarray(nl + 1);
    }
    this.add(buf);
  }

  flush(): void {
    if (!this.cut && this.size > 0) this.emit();
    this.reset();
  }

  private add(b: Buffer): void {
    if (this.cut || b.length === 0) return;
    const room = this.maxBytes - this.size;
    this.parts.push(b.length > room ? b.subarray(0, room) : b);
    this.size += Math.min(b.length, room);
    if (b.length <= room) return;
    this.cut = true;
    // StringDecoder leaves out a character the cut split in two
    this.onLine(`${new StringDecoder('utf8').write(Buffer.concat(this.parts))} [… line cut at ${this.maxBytes} bytes]`);
  }

  private emit(): void {
    this.onLine(Buffer.concat(this.parts).toString('utf8').replace(/\r$/, ''));
  }

  private reset(): void {
    this.parts = [];
    this.size = 0;
    this.cut = false;
  }
}

/**
 * For a streaming callback: undefined while `out` takes more, else a promise of its 'drain' (one per
 * stream, shared by every host) so the transport pauses the host until the reader caught up.
 */
export function drainGate(
  out: NodeJS.WritableStream & { writableNeedDrain: boolean },
): () => Promise<void> | undefined {
  let waiting: Promise<void> | undefined;
  return () => {
    if (!out.writableNeedDrain) return undefined;
    waiting ??= new Promise<void>((resolve) => {
      const done = (): void => {
        out.off('drain', done);
        out.off('error', done);
        out.off('close', done);
        waiting = undefined;
        resolve();
      };
      out.on('drain', done);
      out.on('error', done);
      out.on('close', done);
    });
    return waiting;
  };
}

const COLOURS = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92];

/** `lb1   | ` — padded to the longest host name, one colour per host on a TTY. */
export function hostPrefix(host: string, index: number, width: number, color: boolean): string {
  const name = host.padEnd(width);
  return color ? `\x1b[${COLOURS[index % COLOURS.length]}m${name}\x1b[0m | ` : `${name} | `;
}
