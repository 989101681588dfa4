// start: the service running on every selected host (ok where it already is), each awaited until
// active and admin /ready says LIVE. stop is the same command the other way (control).
import { envoyControl } from '../../roles/envoy_control/main.ts';
import { selectHosts } from '../cli/hosts.ts';
import { FLEET, TIMEOUT, type FleetOptions } from '../cli/options.ts';
import { play } from '../cli/play.ts';
import type { CommandSpec } from '../cli/spec.ts';

export function control(action: 'start' | 'stop', summary: string): CommandSpec<FleetOptions & { timeout?: number }> {
  return {
    name: action,
    summary,
    options: [...FLEET, TIMEOUT],
    interrupt: 'stop',
    async action(o, ctx) {
      const { inv, hosts } = await selectHosts(o);
      return play(ctx, inv, hosts, [envoyControl(action, o.timeout ?? inv.rolling.healthTimeoutMs)], {
        forks: o.forks,
        json: o.json,
      });
    },
  };
}

export const start = control(
  'start',
  'start envoy-k8s-proxy on every selected host (in parallel) and wait until it is ready',
);
