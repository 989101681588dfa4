// The one CLI: `envoy-k8s-proxy <command> --hosts <inventory> [...]`. Only this file decides exit
// codes: commands return one, errors map to one, and Ctrl-C is handled here for every command.
import { setMaxListeners } from 'node:events';
import { CommanderError } from 'commander';
import { InputError, ToolError, type Problem } from './errors.ts';
import { styleFor } from './output/format.ts';
import { safeJson, safeText } from './output/safe-text.ts';
import { commands } from './commands/registry.ts';
import { buildProgram } from './cli/program.ts';
import { configureTrace } from './ssh/index.ts';
import { EXIT, type CommandSpec } from './cli/spec.ts';

export async function main(argv: string[]): Promise<number> {
  // `pnpm run x -- --flag` passes a literal `--` through: drop it.
  const args = argv.filter((a, i) => !(a === '--' && i <= 1));
  let pending: Promise<number> = Promise.resolve(EXIT.ok);
  const program = buildProgram(commands, (spec, opts) => {
    pending = runCommand(spec, opts, { verbose: Number(program.opts().verbose ?? 0) });
  });
  // with --json a usage error is a JSON document too, not commander's text on stderr
  const json = args.includes('--json');
  if (json) for (const c of [program, ...program.commands]) c.configureOutput({ writeErr: () => {} });
  try {
    await program.parseAsync(args, { from: 'user' });
    return await pending;
  } catch (err) {
    return report(err, { json });
  }
}

/** Runs one command's action with the interrupt handling its description asks for. */
export async function runCommand(spec: CommandSpec, opts: unknown, global: { verbose?: number } = {}): Promise<number> {
  const mode = typeof spec.interrupt === 'function' ? spec.interrupt(opts) : spec.interrupt;
  const ac = new AbortController();
  // every connection and every command in flight listens (and stops listening when done): more
  // than node's default of 10 at once on a fleet, which is not a leak
  setMaxListeners(0, ac.signal);
  const onSignal = () => {
    if (ac.signal.aborted) process.exit(EXIT.interrupted); // a second Ctrl-C does not wait
    if (mode === 'stop')
      process.stderr.write(
        '\ninterrupted: finishing the current step on each host, then stopping (Ctrl-C again to quit now)\n',
      );
    ac.abort();
  };
  if (mode !== 'none') for (const s of SIGNALS) process.on(s, onSignal);
  // -v traces to stderr, so --json output on stdout stays one document; host output made safe.
  // Without -v only what asks something of the user comes through (a FIDO key's touch).
  const previousTrace = configureTrace({
    level: global.verbose ?? 0,
    write: (line) => process.stderr.write(safeText(line)),
  });
  try {
    const code = await spec.action(opts, { signal: ac.signal, style: styleFor(process.stdout) });
    return mode === 'stop' && ac.signal.aborted ? EXIT.interrupted : code;
  } catch (err) {
    const code = report(err, { json: (opts as { json?: unknown } | undefined)?.json === true });
    const mapped = spec.failureExit?.(opts);
    return mapped === undefined || code === EXIT.interrupted ? code : mapped;
  } finally {
    configureTrace(previousTrace);
    for (const s of SIGNALS) process.off(s, onSignal);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Prints a failure (host text made safe first) and returns its exit code. */
export function report(err: unknown, o: { json?: boolean } = {}): number {
  if (o.json) return reportJson(err);
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
  process.stderr.write(
    `internal error: ${safeText(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`,
  );
  return EXIT.failed;
}

/** `--json`: the failure as one JSON document on stdout; bad input lists every problem. */
function reportJson(err: unknown): number {
  const print = (doc: object) => process.stdout.write(`${safeJson(doc, 2)}\n`);
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return EXIT.ok; // --help, --version: already printed
    const message = err.message.replace(/^error: /, '');
    print({ ok: false, error: 'usage', problems: [{ file: '<command line>', path: '', message }] });
    return EXIT.input;
  }
  if (err instanceof InputError) {
    print({ ok: false, error: err.kind, problems: err.problems.map(problemJson) });
    return EXIT.input;
  }
  if (err instanceof ToolError) {
    print({ ok: false, error: err.kind, ...(err.host && { host: err.host }), message: err.message });
    return err.kind === 'interrupted' ? EXIT.interrupted : EXIT.failed;
  }
  print({ ok: false, error: 'internal', message: err instanceof Error ? err.message : String(err) });
  return EXIT.failed;
}

/** Every field present, so a consumer reads `line` without probing for it (null: unknown). */
function problemJson(p: Problem) {
  return { file: p.file, path: p.path, line: p.line ?? null, column: p.column ?? null, message: p.message };
}
