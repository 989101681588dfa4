// stop: the service stopped on every selected host (ok where it already is), each awaited until
// inactive. No draining: clients are cut off (rolling-restart keeps the fleet serving).
import type { Command } from 'commander';
import { selectHosts, withFleet, type Action, type Run } from './common.ts';
import { controlHosts, withTimeout, type ServiceCommandOptions } from './service.ts';

export function registerStop(program: Command, run: Run): void {
  withTimeout(withFleet(program.command('stop')))
    .description('stop envoy-k8s-proxy on every selected host (in parallel) and wait until it is inactive')
    .action((o) => run(stopCommand as Action, o));
}

export async function stopCommand(o: ServiceCommandOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  return controlHosts(inv, hosts, 'stop', o);
}
