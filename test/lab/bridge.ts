// The lab's private bridge: the control side holds <subnet>.1/24; hosts attach with veth pairs.
// No route or forwarding is added, so hosts reach the bridge address and each other, nothing else.
import { existsSync, readdirSync } from 'node:fs';
import { $ } from 'zx';
import type { LabConfig } from './config.ts';

export function bridgeExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}/bridge`);
}

/**
 * A fixed, locally administered MAC from the subnet (10.221.0 → 02:00:0a:dd:00:01). Left to itself a
 * bridge takes its lowest port's MAC and changes it when that host's veth goes (a host killed):
 * the other hosts' ARP entries for the control side then point nowhere until they expire (~15 s),
 * which no real gateway does to its hosts.
 */
export function bridgeMac(subnet: string): string {
  const hex = subnet.split('.').map((o) => Number(o).toString(16).padStart(2, '0'));
  return ['02', '00', ...hex, '01'].join(':');
}

export async function ensureBridge(cfg: LabConfig): Promise<void> {
  if (!bridgeExists(cfg.bridge)) await $({ quiet: true })`ip link add name ${cfg.bridge} type bridge`;
  await $({ quiet: true })`ip link set ${cfg.bridge} address ${bridgeMac(cfg.subnet)}`;
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
