// The one CLI: `envoy-k8s-proxy <command> --hosts <inventory> [...]`. Only this file decides exit codes.
import { Command, CommanderError } from 'commander';
import { InputError, ToolError } from './errors.ts';
import { EXIT, withFleet, withInventory } from './commands/common.ts';
import { renderCommand } from './commands/render.ts';
import { validateCommand } from './commands/validate.ts';
import { deployCommand, installCommand, planCommand } from './commands/deploy.ts';

type Action = (opts: never) => Promise<number>;

export function buildProgram(run: (action: Action, opts: unknown) => void): Command {
  const program = new Command('envoy-k8s-proxy')
    .description('Envoy in front of Kubernetes API servers: render, deploy and operate it over SSH')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  withFleet(program.command('validate'))
    .description('check the inventory and the rendered Envoy config strictly (Envoy API protos, cross-file rules)')
    .option('--envoy <path>', 'also run `<path> --mode validate` on the rendered tree (default: envoy on PATH)')
    .action((o) => run(validateCommand as Action, o));

  withFleet(program.command('render'))
    .description('write every host\'s rendered files (envoy.yaml, lds.yaml, cds.yaml, eds_*.yaml, unit) to a directory')
    .requiredOption('-o, --out <dir>', 'output directory (one sub-directory per host)')
    .action((o) => run(renderCommand as Action, o));

  const converge = (name: string, description: string, action: Action, diffDefault: boolean) =>
    withFleet(program.command(name))
      .description(description)
      .option('--diff', 'show a unified diff of every file change', diffDefault)
      .option('--no-diff', 'do not show diffs')
      .option('--allow-downgrade', 'allow installing an older Envoy than the one running', false)
      .option('--max-fail <percent>', 'stop starting new hosts once more than this percent have failed', (v) => percent(v), 100)
      .action((o) => run(action, o));
  converge('deploy', 'converge every host: binary, config, service started and healthy (idempotent)', deployCommand as Action, false);
  converge('plan', 'check mode: what deploy would change, with diffs; nothing on any host changes', planCommand as Action, true);
  converge('install', 'binary, config and unit in place and enabled, not started', installCommand as Action, false);

  void withInventory;
  return program;
}

function percent(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 100) throw new Error(`expected a percentage 0-100, found "${v}"`);
  return n;
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

function report(err: unknown): number {
  if (err instanceof CommanderError) {
    // commander has already printed the message (or the help)
    return err.exitCode === 0 ? EXIT.ok : EXIT.input;
  }
  if (err instanceof InputError) {
    process.stderr.write(`${err.message}\n`);
    return EXIT.input;
  }
  if (err instanceof ToolError) {
    process.stderr.write(`error: ${err.message}\n`);
    return err.kind === 'interrupted' ? EXIT.interrupted : EXIT.failed;
  }
  process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return EXIT.failed;
}
