// The lab's private bridge: the control side holds <subnet>.1/24; hosts attach with veth pairs.
// No route or forwarding is added, so hosts reach the bridge address and each other, nothing else.
import { existsSync, readdirSync } from 'node:fs';
import { $ } from 'zx';
import type { LabConfig } from './config.ts';

export function bridgeExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}/bridge`);
}

export async function ensureBridge(cfg: LabConfig): Promise<void> {
  if (!bridgeExists(cfg.bridge)) await $({ quiet: true })`ip link add name ${cfg.bridge} type bridge`;
  await $({ quiet: true })`ip addr replace ${`${cfg.bridgeAddress}/24`} dev ${cfg.bridge}`;
  await $({ quiet: true })`ip link set ${cfg.bridge} up`;
}

/**
 * Removes the bridge unless hosts are still attached to it: `down` stops its own hosts first, so
 * attached ports mean another lab (another checkout whose LAB_BRIDGE was not set) owns it.
 */
export async function removeBridge(name: string): Promise<void> {
  if (!bridgeExists(name)) return;
  const ports = readdirSync(`/sys/class/net/${name}/brif`);
  if (ports.length > 0) {
    console.warn(
      `[lab] not removing bridge ${name}: hosts of another lab are attached (${ports.join(', ')}); set LAB_BRIDGE/LAB_SUBNET for this checkout`,
    );
    return;
  }
  await $({ quiet: true })`ip link del ${name}`;
}
