// Playbooks: which roles each command runs, in order.
import type { Inventory } from '../src/inventory/types.ts';
import type { Role } from '../src/runner/types.ts';
import { roleOptions } from './context.ts';
import { envoyBinary } from './envoy_binary/main.ts';
import { envoyConfig } from './envoy_config/main.ts';
import { envoyService } from './envoy_service/main.ts';
import { ownership } from './ownership/main.ts';
import { vip } from './vip/main.ts';

/** deploy / plan: everything, started and healthy. */
export async function deployPlaybook(inv: Inventory, o: { allowDowngrade?: boolean } = {}): Promise<Role[]> {
  return [ownership, envoyBinary(await roleOptions(inv, o)), envoyConfig, envoyService({ start: true }), vip];
}

/** install: binary, config and unit in place, not started. */
export async function installPlaybook(inv: Inventory, o: { allowDowngrade?: boolean } = {}): Promise<Role[]> {
  return [ownership, envoyBinary(await roleOptions(inv, o)), envoyConfig, envoyService({ start: false })];
}

export { uninstall } from './uninstall/main.ts';
export { envoyRollback } from './envoy_rollback/main.ts';
