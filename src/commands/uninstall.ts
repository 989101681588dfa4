// uninstall: stop and remove what deploy put on the hosts; --purge also the user and the logs.
import { uninstall as uninstallRole } from '../../roles/index.ts';
import { selectHosts } from '../cli/hosts.ts';
import { FLEET, type FleetOptions } from '../cli/options.ts';
import { play } from '../cli/play.ts';
import type { CommandSpec } from '../cli/spec.ts';

export const uninstall: CommandSpec<FleetOptions & { purge: boolean; check: boolean }> = {
  name: 'uninstall',
  summary: 'stop and remove the service, unit, config and releases from the hosts (idempotent)',
  options: [
    ...FLEET,
    {
      flags: '--purge',
      description: 'also remove the envoy user and the logs: no trace of the tool is left',
      default: false,
    },
    { flags: '--check', description: 'only say what would be removed', default: false },
  ],
  interrupt: 'stop',
  async action(o, ctx) {
    const { inv, hosts } = await selectHosts(o);
    return play(ctx, inv, hosts, [uninstallRole({ purge: o.purge })], { forks: o.forks, json: o.json, check: o.check });
  },
};
