// Playbooks: which roles each command runs, in order.
import type { Inventory } from '../src/inventory/types.ts';
import type { Gate, Role } from '../src/runner/types.ts';
import { roleOptions } from './context.ts';
import { envoyBinary } from './envoy_binary/main.ts';
import { RELEASE_SWITCHED, RESTARTED } from './envoy_service/handlers.ts';
import { deployGate } from '../src/ops/deploy-gate.ts';
import { envoyConfig, envoyConfigGated } from './envoy_config/main.ts';
import { envoyService } from './envoy_service/main.ts';
import { ownership } from './ownership/main.ts';
import { vip } from './vip/main.ts';
import type { PeerFetch } from '../src/runner/peer-fetch.ts';

export interface PlaybookOptions {
  allowDowngrade?: boolean;
  /** The run's seeds and peers for the release (fetch: control). */
  peers?: PeerFetch;
}

/** deploy / plan: everything, started and healthy; config changes kept reversible until the gate. */
export async function deployPlaybook(inv: Inventory, o: PlaybookOptions = {}): Promise<Role[]> {
  return [ownership, envoyBinary(await roleOptions(inv, o)), envoyConfigGated, envoyService({ start: true }), vip];
}

/** install: binary, config and unit in place, not started. */
export async function installPlaybook(inv: Inventory, o: PlaybookOptions = {}): Promise<Role[]> {
  return [ownership, envoyBinary(await roleOptions(inv, o)), envoyConfig, envoyService({ start: false })];
}

export { uninstall } from './uninstall/main.ts';
export { envoyRollback } from './envoy_rollback/main.ts';

/** The deploy's gate (src/ops/deploy-gate.ts), with the tasks whose changes its rollback undoes. */
export function deployGateFor(inv: Inventory): Gate {
  return deployGate(inv, { releaseSwitched: RELEASE_SWITCHED, restarted: RESTARTED });
}
