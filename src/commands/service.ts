// What start, stop and restart share: the --timeout option, and one play of the envoy_control role
// over the selected hosts in parallel (--forks), reported per host as ok/changed like deploy.
import type { Command } from 'commander';
import { envoyControl, type ControlAction } from '../../roles/envoy_control/main.ts';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { CommonOptions } from './common.ts';
import { durationArg } from './rolling-restart.ts';
import { playRoles } from './play.ts';

export interface ServiceCommandOptions extends CommonOptions {
  timeout?: number;
}

export function withTimeout(cmd: Command): Command {
  return cmd.option('--timeout <duration>', 'how long each host may take to reach the state (default: inventory rolling.healthTimeout)', durationArg);
}

export async function controlHosts(inv: Inventory, hosts: HostSpec[], action: ControlAction, o: ServiceCommandOptions): Promise<number> {
  const role = envoyControl(action, o.timeout ?? inv.rolling.healthTimeoutMs);
  return (await playRoles(inv, hosts, [role], { check: false, diff: false, forks: o.forks, json: o.json })).code;
}
