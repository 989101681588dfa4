// start: the service running on every selected host (ok where it already is), each awaited until
// active and admin /ready says LIVE.
import type { Command } from 'commander';
import { selectHosts, withFleet, type Action, type Run } from './common.ts';
import { controlHosts, withTimeout, type ServiceCommandOptions } from './service.ts';

export function registerStart(program: Command, run: Run): void {
  withTimeout(withFleet(program.command('start')))
    .description('start envoy-k8s-proxy on every selected host (in parallel) and wait until it is ready')
    .action((o) => run(startCommand as Action, o));
}

export async function startCommand(o: ServiceCommandOptions): Promise<number> {
  const { inv, hosts } = await selectHosts(o);
  return controlHosts(inv, hosts, 'start', o);
}
