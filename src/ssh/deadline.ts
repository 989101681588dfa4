// Deadlines of remote commands and transfers: a hung host (stopped sshd, frozen disk) must fail
// alone, with a message that names what it did not answer, instead of stalling the whole run.

/** Restartable timer: `touch()` on progress (a transfer moving) starts the wait over. 0 = none. */
export class Deadline {
  expired = false;
  private timer?: NodeJS.Timeout;

  constructor(
    readonly ms: number,
    private readonly onExpire: () => void,
  ) {
    this.touch();
  }

  touch(): void {
    if (this.ms <= 0 || this.expired) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.expired = true;
      this.onExpire();
    }, this.ms);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** 60000 → "60s", 1500 → "1.5s", 250 → "250ms", 120000 → "2m". */
export function formatWait(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Number((ms / 1000).toFixed(1))}s`;
}

const MAX = 60;

/**
 * A command in a few words for "no answer from <it>": argv joined, a script (`sh -c`, or `sh -s`
 * fed on stdin) by its first meaningful line, cut at 60 characters.
 */
export function commandSummary(command: readonly string[] | string, stdin?: string | Buffer): string {
  let text: string;
  if (typeof command === 'string') text = firstLine(command);
  else if (command[0] === 'sh' && command[1] === '-c' && command[2] !== undefined) text = firstLine(command[2]);
  else if (command[0] === 'sh' && command[1] === '-s' && typeof stdin === 'string') text = firstLine(stdin);
  else text = command.join(' ');
  text = text.replace(/\s+/g, ' ').trim();
  return `\`${text.length > MAX ? `${text.slice(0, MAX - 1)}…` : text}\``;
}

function firstLine(script: string): string {
  const lines = script.split('\n').map((l) => l.trim());
  const first = lines.find((l) => l !== '' && !l.startsWith('#') && !/^set -\w+$/.test(l)) ?? '';
  return lines.filter((l) => l !== '').length > 1 ? `${first} …` : first;
}
