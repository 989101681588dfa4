// install: binary, config and unit in place and enabled, not started.
import { installPlaybook } from '../../roles/index.ts';
import { selectCheckedHosts } from '../cli/hosts.ts';
import { play } from '../cli/play.ts';
import type { CommandSpec } from '../cli/spec.ts';
import { convergeOptions, type ConvergeOptions } from './deploy.ts';

export const install: CommandSpec<ConvergeOptions> = {
  name: 'install',
  summary: 'binary, config and unit in place and enabled, not started',
  options: convergeOptions(false),
  interrupt: 'stop',
  async action(o, ctx) {
    const { inv, hosts } = await selectCheckedHosts(o);
    return play(ctx, inv, hosts, await installPlaybook(inv, o), { forks: o.forks, json: o.json, diff: o.diff, maxFailPercent: o.maxFail });
  },
};
