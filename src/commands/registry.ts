// Every CLI command, in the order `--help` lists them. Each module registers its own options.
import type { Command } from 'commander';
import { nonNegativeInt, percent, positivePort, withFleet, withInventory, type Action, type Run } from './common.ts';
import { renderCommand } from './render.ts';
import { validateCommand } from './validate.ts';
import { deployCommand, installCommand, planCommand } from './deploy.ts';
import { rollbackCommand, uninstallCommand } from './uninstall.ts';
import { downloadCommand, parseArches } from './download.ts';
import { doctorCommand } from './doctor.ts';
import { adminCommand } from './admin.ts';
import { runCommand } from './run.ts';
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
    .option('--remote', "also validate each host's rendered config with the envoy installed on that host (read-only)", false)
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

  withInventory(program.command('download'))
    .description("fill the control-side release cache and files/envoy-releases.lock.yaml (sha256 from the inventory, the lockfile, or, with --signing-key or --trust-first-download, the release's checksums.txt.asc)")
    .option('--arch <list>', 'architectures, comma separated (default: x86_64,aarch_64)', parseArches)
    .option('--signing-key <file>', "armored public key that signs the release's checksums.txt.asc: new lockfile entries only from checksums it verifies (gpgv)")
    .option('--trust-first-download', 'allow new lockfile entries without a signature: unsigned checksums.txt.asc, or the hash of the first download (printed for review)', false)
    .option('--json', 'print one JSON document instead of text', false)
    .action((o) => run(downloadCommand as Action, o));

  withFleet(program.command('uninstall'))
    .description('stop and remove the service, unit, config and releases from the hosts (idempotent)')
    .option('--purge', 'also remove the envoy user and the logs: no trace of the tool is left', false)
    .option('--check', 'only say what would be removed', false)
    .action((o) => run(uninstallCommand as Action, o));

  withFleet(program.command('rollback'))
    .description('switch every host back to its previous Envoy release, then restart (rolling)')
    .option('--check', 'only say what would switch', false)
    .action((o) => run(rollbackCommand as Action, o));

  withFleet(program.command('doctor'))
    .description('read-only checklist per host: service, binary, config drift, ports, API servers as the host sees them, Envoy health, journal')
    .action((o) => run(doctorCommand as Action, o));

  withFleet(program.command('admin'))
    .description("tunnel to one host's admin interface (127.0.0.1 on the host) until Ctrl-C, or `admin GET <path>` on every selected host (read-only)")
    .argument('[method]', 'GET: fetch <path> from every selected host instead of opening a tunnel')
    .argument('[path]', 'admin path, e.g. /clusters, /stats?format=json')
    .option('-p, --port <port>', 'local port of the tunnel (default: any free port)', positivePort)
    .action((method: string | undefined, path: string | undefined, o) => run(((opts: never) => adminCommand(method, path, opts)) as Action, o));

  withInventory(program.command('run'))
    .description("run Envoy in the foreground on this machine with one host's rendered config (temp dir), until Ctrl-C; exit code = Envoy's")
    .option('--host <name>', 'whose config to render (default: the first host)')
    .option('--envoy <path>', 'Envoy binary (default: envoy on PATH)')
    .option('--base-id <n>', "Envoy's --base-id, to run next to another Envoy with hot restart (default: hot restart off)", nonNegativeInt)
    .option('--log-level <level>', "Envoy's --log-level", 'info')
    .action((o) => run(runCommand as Action, o));

  withFleet(program.command('status'))
    .description('one row per host: unit, version, uptime, listeners, healthy endpoints per cluster, config drift, last start')
    .action((o) => run(statusCommand as Action, o));

  registerLogs(program, run);
  registerStart(program, run);
  registerStop(program, run);
  registerRestart(program, run);
  registerRollingRestart(program, run);
}
