// restart: one host, or --all-at-once, restarts in place (changed, awaited until ready); more than
// one host rolls through them like rolling-restart so the fleet keeps serving.
import type { Command } from 'commander';
import { selectHosts, withFleet, type Action, type Run } from './common.ts';
import { rollHosts, withRolling, type RollingCommandOptions } from './rolling-restart.ts';
import { controlHosts, withTimeout, type ServiceCommandOptions } from './service.ts';

export interface RestartOptions extends ServiceCommandOptions, RollingCommandOptions {
  allAtOnce?: boolean;
}

export function registerRestart(program: Command, run: Run): void {
  withRolling(withTimeout(withFleet(program.command('restart'))))
    .description('restart envoy-k8s-proxy: rolling (drain, restart, health gate per batch) for more than one host unless --all-at-once')
    .option('--all-at-once', 'restart every selected host at the same time, without draining (an outage)', false)
    .action((o) => run(restartCommand as Action, o));
}

export async function restartCommand(o: RestartOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  if (hosts.length > 1 && !o.allAtOnce) return rollHosts(inv, hosts, { ...o, healthTimeout: o.healthTimeout ?? o.timeout, resume: false });
  return controlHosts(inv, hosts, 'restart', o);
}
