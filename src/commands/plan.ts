// plan: check mode, what deploy would change with diffs; nothing on any host changes.
import { deployPlaybook } from '../../roles/index.ts';
import { selectCheckedHosts } from '../cli/hosts.ts';
import { play } from '../cli/play.ts';
import type { CommandSpec } from '../cli/spec.ts';
import { convergeOptions, type ConvergeOptions } from './deploy.ts';

export const plan: CommandSpec<ConvergeOptions> = {
  name: 'plan',
  summary: 'check mode: what deploy would change, with diffs; nothing on any host changes',
  options: convergeOptions(true),
  interrupt: 'stop',
  async action(o, ctx) {
    const { inv, hosts } = await selectCheckedHosts(o);
    return play(ctx, inv, hosts, await deployPlaybook(inv, o), { forks: o.forks, json: o.json, check: true, diff: o.diff !== false });
  },
};
