// Every CLI command, in the order `--help` lists them. Each module registers its own options.
import type { Command } from 'commander';
import { percent, withFleet, type Action, type Run } from './common.ts';
import { renderCommand } from './render.ts';
import { validateCommand } from './validate.ts';
import { deployCommand, installCommand, planCommand } from './deploy.ts';
import { statusCommand } from './status.ts';
import { registerLogs } from './logs.ts';
import { registerRollingRestart } from './rolling-restart.ts';
import { registerStart } from './start.ts';
import { registerStop } from './stop.ts';
import { registerRestart } from './restart.ts';

export function registerCommands(program: Command, run: Run): void {
  withFleet(program.command('validate'))
    .description('check the inventory and the rendered Envoy config strictly (Envoy API protos, cross-file rules)')
    .option('--envoy <path>', 'also run `<path> --mode validate` on the rendered tree (default: envoy on PATH)')
    .action((o) => run(validateCommand as Action, o));

  withFleet(program.command('render'))
    .description("write every host's rendered files (envoy.yaml, lds.yaml, cds.yaml, eds_*.yaml, unit) to a directory")
    .requiredOption('-o, --out <dir>', 'output directory (one sub-directory per host)')
    .action((o) => run(renderCommand as Action, o));

  const converge = (name: string, description: string, action: Action, diffDefault: boolean) =>
    withFleet(program.command(name))
      .description(description)
      .option('--diff', 'show a unified diff of every file change', diffDefault)
      .option('--no-diff', 'do not show diffs')
      .option('--allow-downgrade', 'allow installing an older Envoy than the one running', false)
      .option('--max-fail <percent>', 'stop starting new hosts once more than this percent have failed', percent, 100)
      .action((o) => run(action, o));
  converge('deploy', 'converge every host: binary, config, service started and healthy (idempotent)', deployCommand as Action, false);
  converge('plan', 'check mode: what deploy would change, with diffs; nothing on any host changes', planCommand as Action, true);
  converge('install', 'binary, config and unit in place and enabled, not started', installCommand as Action, false);

  withFleet(program.command('status'))
    .description('one row per host: unit, version, uptime, listeners, healthy endpoints per cluster, config drift, last start')
    .action((o) => run(statusCommand as Action, o));

  registerLogs(program, run);
  registerStart(program, run);
  registerStop(program, run);
  registerRestart(program, run);
  registerRollingRestart(program, run);
}
