// The one shape of a CLI command: a description object with its options and an action that
// returns the exit code. The CLI (src/cli.ts) wires them into commander and owns the process.
import type { Style } from '../output/format.ts';

/** Exit codes, documented in README: only the CLI decides them. `changes`: plan --detailed-exitcode only. */
export const EXIT = { ok: 0, failed: 1, input: 2, changes: 2, unreachable: 3, interrupted: 130 } as const;

/** One option, in commander's flag syntax (`-l, --limit <hosts>`, `--no-diff`). */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: unknown;
  /** Turns the value into what the action gets; throws commander's InvalidArgumentError. */
  parse?: (value: string) => unknown;
  required?: boolean;
  /** An environment variable that supplies the value when the flag is not given. */
  env?: string;
}

/** A positional argument (`[path]`); the action gets it as the option of the same name. */
export interface ArgumentSpec {
  name: string;
  description: string;
  /** The only values it takes (checked by commander, offered by shell completion). */
  choices?: string[];
}

/**
 * What Ctrl-C (SIGINT, SIGTERM) does while the command runs:
 * - stop: the signal is aborted, each host finishes its current step, exit 130;
 * - end: Ctrl-C is how the command ends (a follow, a tunnel), the action says the exit code;
 * - none: the default (the process dies), or the action forwards the signal itself (`run`).
 * In stop and end, a second Ctrl-C exits 130 at once.
 */
export type Interrupt = 'stop' | 'end' | 'none';

export interface CommandContext {
  /** Aborted on the first Ctrl-C (never, for interrupt: none). */
  signal: AbortSignal;
  /** How stdout is styled: colour on a terminal unless NO_COLOR. */
  style: Style;
}

export interface CommandSpec<O = any> {
  name: string;
  /** The one line `--help` shows. */
  summary: string;
  arguments?: ArgumentSpec[];
  options: OptionSpec[];
  interrupt: Interrupt | ((o: O) => Interrupt);
  /** The exit code an error thrown by the action maps to instead of its own (plan --detailed-exitcode: 1). */
  failureExit?: (o: O) => number | undefined;
  action(o: O, ctx: CommandContext): Promise<number>;
}
