// rollback: every host back to its previous Envoy release, then restarted.
import { envoyRollback } from '../../roles/index.ts';
import { selectCheckedHosts } from '../cli/hosts.ts';
import { FLEET, type FleetOptions } from '../cli/options.ts';
import { play } from '../cli/play.ts';
import type { CommandSpec } from '../cli/spec.ts';

export const rollback: CommandSpec<FleetOptions & { check: boolean }> = {
  name: 'rollback',
  summary: 'switch every host back to its previous Envoy release, then restart (rolling)',
  options: [...FLEET, { flags: '--check', description: 'only say what would switch', default: false }],
  interrupt: 'stop',
  async action(o, ctx) {
    // The release rolled back to restarts on the config on disk, which this inventory rendered.
    const { inv, hosts } = await selectCheckedHosts(o);
    return play(ctx, inv, hosts, [envoyRollback], { forks: o.forks, json: o.json, check: o.check });
  },
};
