// The lab's private bridge: the control side holds <subnet>.1/24; hosts attach with veth pairs.
// No route or forwarding is added, so hosts reach the bridge address and each other, nothing else.
import { existsSync } from 'node:fs';
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

export async function removeBridge(name: string): Promise<void> {
  if (bridgeExists(name)) await $({ quiet: true })`ip link del ${name}`;
}
