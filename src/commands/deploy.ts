// deploy: converge the selected hosts: binary, config, service started and healthy (idempotent).
// plan and install are the same command with another playbook or check mode (converge).
import { deployGateFor, deployPlaybook, type PlaybookOptions } from '../../roles/index.ts';
import { PeerFetch } from '../runner/peer-fetch.ts';
import type { Inventory } from '../inventory/types.ts';
import type { Role } from '../runner/types.ts';
import { selectCheckedHosts } from '../cli/hosts.ts';
import { FLEET, percent, type FleetOptions } from '../cli/options.ts';
import { play } from '../cli/play.ts';
import { EXIT, type CommandSpec, type OptionSpec } from '../cli/spec.ts';

const DETAILED_EXITCODE: OptionSpec = {
  flags: '--detailed-exitcode',
  description: 'exit 0 when nothing would change, 2 when changes are pending, 1 on any error',
  default: false,
};

export interface ConvergeOptions extends FleetOptions {
  diff: boolean;
  allowDowngrade: boolean;
  maxFail?: number;
  /** plan: 0 nothing to change, 2 changes pending, 1 any error (as Terraform's plan). */
  detailedExitcode?: boolean;
}

interface Converge {
  name: string;
  summary: string;
  playbook: (inv: Inventory, o: PlaybookOptions) => Promise<Role[]>;
  /** Check mode: nothing changes, and diffs show unless --no-diff. */
  check: boolean;
  /** Hosts with changes go in gated batches (deploy; plan shows the batches). */
  gated?: boolean;
}

export function converge(c: Converge): CommandSpec<ConvergeOptions> {
  return {
    name: c.name,
    summary: c.summary,
    options: [
      ...FLEET,
      { flags: '--diff', description: 'show a unified diff of every file change', default: c.check },
      { flags: '--no-diff', description: 'do not show diffs' },
      {
        flags: '--allow-downgrade',
        description: 'allow installing an older Envoy than the one running',
        default: false,
      },
      {
        flags: '--max-fail <percent>',
        description:
          "stop once more than this percent of the hosts have failed (default: the inventory's rolling.maxFailPercent)",
        parse: percent,
      },
      ...(c.check ? [DETAILED_EXITCODE] : []),
    ],
    interrupt: 'stop',
    failureExit: (o) => (o.detailedExitcode ? EXIT.failed : undefined),
    async action(o, ctx) {
      const { inv, hosts } = await selectCheckedHosts(o);
      // seeds and peers among the hosts of this run (--limit included)
      const peers = new PeerFetch(inv, hosts);
      const roles = await c.playbook(inv, { allowDowngrade: o.allowDowngrade, peers });
      return play(ctx, inv, hosts, roles, {
        forks: o.forks,
        json: o.json,
        check: c.check,
        diff: o.diff,
        maxFailPercent: c.check ? undefined : (o.maxFail ?? inv.rolling.maxFailPercent),
        detailedExitcode: o.detailedExitcode,
        gate: c.gated ? deployGateFor(inv) : undefined,
        service: peers,
      });
    },
  };
}

export const deploy = converge({
  name: 'deploy',
  summary: 'converge every host: binary, config, service started and healthy (idempotent)',
  playbook: deployPlaybook,
  check: false,
  gated: true,
});
