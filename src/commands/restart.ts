// restart: one host, or --all-at-once, restarts in place (changed, awaited until ready); more than
// one host rolls through them like rolling-restart so the fleet keeps serving.
import { envoyControl } from '../../roles/envoy_control/main.ts';
import { selectHosts } from '../cli/hosts.ts';
import { FLEET, ROLLING, TIMEOUT, type RollingOptions } from '../cli/options.ts';
import { play } from '../cli/play.ts';
import type { CommandSpec } from '../cli/spec.ts';
import { rollHosts } from './rolling-restart.ts';

export interface RestartOptions extends RollingOptions {
  timeout?: number;
  allAtOnce: boolean;
}

export const restart: CommandSpec<RestartOptions> = {
  name: 'restart',
  summary:
    'restart envoy-k8s-proxy: rolling (drain, restart, health gate per batch) for more than one host unless --all-at-once',
  options: [
    ...FLEET,
    TIMEOUT,
    ...ROLLING,
    {
      flags: '--all-at-once',
      description: 'restart every selected host at the same time, without draining (an outage)',
      default: false,
    },
  ],
  interrupt: 'stop',
  async action(o, ctx) {
    const { inv, hosts } = await selectHosts(o);
    if (hosts.length > 1 && !o.allAtOnce)
      return rollHosts(ctx, inv, hosts, { ...o, healthTimeout: o.healthTimeout ?? o.timeout, resume: false });
    return play(ctx, inv, hosts, [envoyControl('restart', o.timeout ?? inv.rolling.healthTimeoutMs)], {
      forks: o.forks,
      json: o.json,
    });
  },
};
