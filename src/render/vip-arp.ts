// /etc/sysctl.d/60-envoy-k8s-proxy-vip.conf: the ARP rules that let every LB host carry the VIP on
// lo (keepalived's static_ipaddress) while only the VRRP MASTER, which has it on its interface,
// answers ARP for it: the LVS-DR real-server technique. A host that just gave the VIP away keeps
// accepting the packets that clients with a stale ARP entry still send to its MAC, and its draining
// Envoy (listening on 0.0.0.0) serves them, until the new holder's gratuitous ARP has moved them all.
//
// Kernel docs, Documentation/networking/ip-sysctl.rst:
//   arp_ignore=1: "reply only if the target IP address is local address configured on the incoming
//   interface" (the lo copy is not on the incoming interface: no reply);
//   arp_announce=2: "Always use the best local address for this target" as the source of ARP
//   requests (never the VIP from lo). The max of conf/all and conf/<interface> applies: `all` is enough.
import type { HostSpec, Inventory } from '../inventory/types.ts';
import type { RenderedFile } from './types.ts';
import { header } from './yaml.ts';

export const VIP_ARP_PATH = '/etc/sysctl.d/60-envoy-k8s-proxy-vip.conf';
export const VIP_ARP_MODE = 0o644;
export const VIP_ARP_SYSCTLS = { 'net.ipv4.conf.all.arp_ignore': 1, 'net.ipv4.conf.all.arp_announce': 2 } as const;

export function renderVipArp(inv: Inventory, host: HostSpec): RenderedFile {
  const lines = [
    header({ inventory: inv.name, host: host.name }).trimEnd(),
    '# Every LB host has the VIP on lo; only the VRRP MASTER (VIP on its interface) answers ARP for it.',
    ...Object.entries(VIP_ARP_SYSCTLS).map(([k, v]) => `${k} = ${v}`),
  ];
  return { name: 'vip-arp.conf', content: `${lines.join('\n')}\n`, mode: VIP_ARP_MODE };
}

/**
 * True when the running kernel already has the values (the file is applied at boot by
 * systemd-sysctl); read from /proc/sys as `sysctl -n` does, by the builtin read: no process.
 * read's own status is not used: dash reads a byte at a time, and a sysctl file read past its
 * first byte ends there, so read sees no newline and says 1 though it set the value.
 */
export const VIP_ARP_APPLIED = Object.entries(VIP_ARP_SYSCTLS)
  .map(([k, v]) => `{ v=; read -r v < /proc/sys/${k.replaceAll('.', '/')}; [ "$v" = ${v} ]; }`)
  .join(' && ');

/** Kernel defaults back, then whatever the host's own sysctl files say (best effort: read-only keys in containers). */
export const VIP_ARP_RESET = `sysctl -q -w ${Object.keys(VIP_ARP_SYSCTLS)
  .map((k) => `${k}=0`)
  .join(' ')} && { sysctl -q --system >/dev/null 2>&1 || true; }`;
