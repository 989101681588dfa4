// The exact command line sent in an SSH exec request, built only from quoted parts.

import { quote, quoteArgv } from './quote.ts';

export interface CommandContext {
  /** Run through `sudo -n` (non-interactive: fails instead of prompting for a password). */
  become: boolean;
}

/**
 * argv is quoted and run by the login shell; a string is a script for `sh -c`. With become the
 * whole thing becomes one `sh -c` script run by `sudo -n --`, so pipes and redirections in a
 * script run as root too.
 */
export function buildCommand(command: readonly string[] | string, ctx: CommandContext): string {
  const inner = typeof command === 'string' ? command : quoteArgv(command);
  if (ctx.become) return `sudo -n -- sh -c ${quote(inner)}`;
  return typeof command === 'string' ? `sh -c ${quote(command)}` : inner;
}
