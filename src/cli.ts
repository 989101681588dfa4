// The one CLI: `envoy-k8s-proxy <command> --hosts <inventory> [...]`. Only this file decides exit codes.
import { Command, CommanderError } from 'commander';
import { InputError, ToolError } from './errors.ts';
import { EXIT, type Action } from './commands/common.ts';
import { safeText } from './output/safe-text.ts';
import { registerCommands } from './commands/registry.ts';

export function buildProgram(run: (action: Action, opts: unknown) => void): Command {
  const program = new Command('envoy-k8s-proxy')
    .description('Envoy in front of Kubernetes API servers: render, deploy and operate it over SSH')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  registerCommands(program, run);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  // `pnpm run x -- --flag` passes a literal `--` through: drop it.
  const args = argv.filter((a, i) => !(a === '--' && i <= 1));
  let pending: Promise<number> = Promise.resolve(EXIT.ok);
  const program = buildProgram((action, opts) => {
    pending = action(opts as never);
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return await pending;
  } catch (err) {
    return report(err);
  }
}

/** Prints a failure (host text made safe first) and returns its exit code. */
export function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has already printed the message (or the help)
    return err.exitCode === 0 ? EXIT.ok : EXIT.input;
  }
  if (err instanceof InputError) {
    process.stderr.write(`${safeText(err.message)}\n`);
    return EXIT.input;
  }
  if (err instanceof ToolError) {
    process.stderr.write(`error: ${safeText(err.message)}\n`); // messages quote remote stderr
    return err.kind === 'interrupted' ? EXIT.interrupted : EXIT.failed;
  }
  process.stderr.write(`internal error: ${safeText(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
  return EXIT.failed;
}
