// deploy: converge the selected hosts: binary, config, service started and healthy (idempotent).
import { deployPlaybook } from '../../roles/index.ts';
import { selectCheckedHosts } from '../cli/hosts.ts';
import { FLEET, percent, type FleetOptions } from '../cli/options.ts';
import { play } from '../cli/play.ts';
import type { CommandSpec, OptionSpec } from '../cli/spec.ts';

export interface ConvergeOptions extends FleetOptions {
  diff?: boolean;
  allowDowngrade?: boolean;
  maxFail?: number;
}

/** deploy, plan and install: the fleet, diffs (shown by default in plan), downgrades, --max-fail. */
export function convergeOptions(diffDefault: boolean): OptionSpec[] {
  return [
    ...FLEET,
    { flags: '--diff', description: 'show a unified diff of every file change', default: diffDefault },
    { flags: '--no-diff', description: 'do not show diffs' },
    { flags: '--allow-downgrade', description: 'allow installing an older Envoy than the one running', default: false },
    { flags: '--max-fail <percent>', description: 'stop starting new hosts once more than this percent have failed', parse: percent, default: 100 },
  ];
}

export const deploy: CommandSpec<ConvergeOptions> = {
  name: 'deploy',
  summary: 'converge every host: binary, config, service started and healthy (idempotent)',
  options: convergeOptions(false),
  interrupt: 'stop',
  async action(o, ctx) {
    const { inv, hosts } = await selectCheckedHosts(o);
    return play(ctx, inv, hosts, await deployPlaybook(inv, o), { forks: o.forks, json: o.json, diff: o.diff, maxFailPercent: o.maxFail });
  },
};
