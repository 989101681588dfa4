// Commander wiring, once for every command: options and arguments from each description, and the
// action handed to the CLI, which runs it and owns the exit code.
import { Argument, Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../paths.ts';
import type { CommandSpec, OptionSpec } from './spec.ts';

/** Called by commander with the parsed options (positional arguments merged in by name). */
export type Launch = (spec: CommandSpec, opts: Record<string, unknown>) => void;

export function buildProgram(commands: readonly CommandSpec[], launch: Launch): Command {
  const program = new Command('envoy-k8s-proxy')
    .description('Envoy in front of Kubernetes API servers: render, deploy and operate it over SSH')
    .version(toolVersion(), '-V, --version')
    .option(
      '-v, --verbose',
      'print every remote command as it ran, with its host, duration and exit code, and the keys offered; -vv: and its output',
      (_: string, n: number) => n + 1,
      0,
    )
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  for (const spec of commands) addCommand(program, spec, launch);
  return program;
}

function addCommand(program: Command, spec: CommandSpec, launch: Launch): void {
  const cmd = program.command(spec.name).description(spec.summary);
  const args = spec.arguments ?? [];
  for (const a of args) {
    const arg = new Argument(a.name, a.description);
    cmd.addArgument(a.choices ? arg.choices(a.choices) : arg);
  }
  for (const o of spec.options) cmd.addOption(toOption(o));
  cmd.action((...given: unknown[]) => {
    const opts: Record<string, unknown> = { ...cmd.opts() };
    args.forEach((a, i) => (opts[a.name.replace(/[[\]<>.]/g, '')] = given[i]));
    launch(spec, opts);
  });
}

function toOption(o: OptionSpec): Option {
  const opt = new Option(o.flags, o.description);
  if (o.parse) opt.argParser(o.parse);
  if (o.default !== undefined) opt.default(o.default);
  if (o.required) opt.makeOptionMandatory();
  if (o.env) opt.env(o.env);
  return opt;
}

/** The version in the package's own package.json (the checkout's, or the installed package's). */
export function toolVersion(): string {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
