// logs: the remote command that prints (or follows) the service journal or the access log, and the
// line splitter that prefixes every complete line with its host as chunks arrive.
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
    return ['sh', '-c', o.follow ? tail : `[ -e "$1" ] || { echo "no access log yet: $1" >&2; exit 0; }; ${tail}`, 'sh', inv.accessLog.path];
  }
  return [
    'journalctl', '-u', UNIT_NAME, '--no-pager', '--no-hostname', '-o', 'short-iso', '-n', String(o.lines),
    ...(o.since ? ['--since', o.since] : []),
    ...(o.follow ? ['-f'] : []),
  ];
}

/** Splits a byte stream into lines; a partial last line waits for the next chunk (or flush). */
export class LineSplitter {
  private rest = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const text = this.rest + chunk.toString();
    const parts = text.split('\n');
    this.rest = parts.pop() ?? '';
    for (const p of parts) this.onLine(p.replace(/\r$/, ''));
  }

  flush(): void {
    if (this.rest) this.onLine(this.rest);
    this.rest = '';
  }
}

const COLOURS = [36, 33, 35, 32, 34, 91, 96, 93, 95, 92];

/** `lb1   | ` — padded to the longest host name, one colour per host on a TTY. */
export function hostPrefix(host: string, index: number, width: number, color: boolean): string {
  const name = host.padEnd(width);
  return color ? `\x1b[${COLOURS[index % COLOURS.length]}m${name}\x1b[0m | ` : `${name} | `;
}
