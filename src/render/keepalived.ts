// /etc/keepalived/keepalived.conf: one VRRP instance that holds the inventory's VIP on a host whose
// Envoy is ready. The track script polls this host's own health listener, never the apiservers: a
// VIP that depended on what it fronts would leave with them. Unicast between the LB hosts
// (multicast rarely crosses clouds and container bridges). Every host starts as BACKUP and, unless
// preempt is set, keeps the VIP once it has it: a returning host never pulls it back (no flapping).
//
// Timers: with VRRPv3 adverts every 200 ms a silent holder is declared dead after 3 adverts plus
// the skew ((256 - priority) / 256 of one advert), ~0.7 s; a holder whose Envoy is not ready
// fails its next poll (within 1 s), enters FAULT and sends priority 0, and a peer takes over at
// once: under 2 s either way (docs/operations.md, "A virtual IP").
//
// Every host also carries the VIP on lo (static_ipaddress: added at keepalived's start and reload,
// removed at its stop), never announced (ARP rules in vip-arp.ts): a host that just handed the VIP
// over still serves the packets of clients whose ARP entry has not moved yet.
import { posix } from 'node:path';
import { VIP_DEFAULTS } from '../inventory/defaults.ts';
import { canonicalIp } from '../inventory/formats.ts';
import type { HostSpec, Inventory, VipSpec } from '../inventory/types.ts';
import type { RenderedFile } from './types.ts';
import { header } from './yaml.ts';

export const KEEPALIVED_PATH = '/etc/keepalived/keepalived.conf';
export const KEEPALIVED_MODE = 0o640;
export const KEEPALIVED_UNIT = 'keepalived.service';
export const VRRP_INSTANCE = 'envoy_k8s_proxy';
export const TRACK_SCRIPT = 'envoy_ready';
export const VIP_NOTIFY_NAME = 'vip-notify.sh';
/** The notify script (render/vip-metric.ts) sits in the root-owned config directory; keepalived runs it as root. */
export const vipNotifyPath = (inv: Inventory): string => posix.join(inv.paths.configDir, VIP_NOTIFY_NAME);
/** keepalived's track file (weight 0: non-zero is FAULT): a restart's hand-off leaves VRRP through it (ops/vip-release.ts). */
export const RELEASE_FILE = '/run/envoy-k8s-proxy-vip-release';
export const TRACK_FILE = 'envoy_release';
/**
 * The track script: once a second (keepalived 2.2 takes whole seconds only), one failure gives the
 * VIP up (a not-ready holder must go within 2 s), two successes in a row make a host eligible again.
 */
export const TRACK = { intervalS: 1, timeoutS: 1, fall: 1, rise: 2 } as const;

export interface KeepalivedInputs {
  /** The interface carrying the host's address (a fact), unless the inventory names one. */
  interface: string;
  /** This host's health listener, e.g. http://10.0.0.11:9903/healthz. */
  healthUrl: string;
}

export function vipPriority(host: HostSpec): number {
  return host.vipPriority ?? VIP_DEFAULTS.priority;
}

/** The unicast peers of `host`: the inventory's list, else every other host's address. */
export function vipPeers(inv: Inventory, vip: VipSpec, host: HostSpec): string[] {
  const all = vip.peers ?? inv.hosts.map((h) => h.address);
  return all.filter((a) => canonicalIp(a) !== canonicalIp(host.address));
}

/** Decimal seconds as keepalived reads them: 0.2, 1, 1.5. */
const seconds = (ms: number) => String(ms / 1000);

export function renderKeepalived(inv: Inventory, host: HostSpec, inputs: KeepalivedInputs): RenderedFile {
  const vip = inv.vip;
  if (!vip) throw new Error('renderKeepalived needs inv.vip');
  const iface = vip.interface ?? inputs.interface;
  // Values are validated (addresses, interface names, [A-Za-z0-9_.+=,@:~-] passwords): none needs quoting.
  const lines = [
    header({ inventory: inv.name, host: host.name }).trimEnd(),
    'global_defs {',
    `  router_id ${host.name}`,
    // the track script runs as an unprivileged user, and keepalived refuses scripts root could be tricked by
    '  enable_script_security',
    '  script_user nobody nogroup',
    `  vrrp_version ${vip.auth === undefined ? 3 : 2}`,
    // a new holder repeats its gratuitous ARP once a second for 5 s: switches and peers that missed one learn it
    '  vrrp_garp_master_repeat 5',
    '  vrrp_garp_master_delay 1',
    '}',
    '',
    // a restart's hand-off writes 1 here to leave VRRP at once (ops/vip-release.ts); 0 again at every start
    `vrrp_track_file ${TRACK_FILE} {`,
    `  file ${RELEASE_FILE}`,
    '  weight 0',
    '  init_file 0 overwrite',
    '}',
    '',
    'static_ipaddress {',
    `  ${vip.address}/${vip.address.includes(':') ? 128 : 32} dev lo scope host`,
    '}',
    '',
    `vrrp_script ${TRACK_SCRIPT} {`,
    `  script "/usr/bin/curl -fsS -o /dev/null -m ${TRACK.timeoutS} ${inputs.healthUrl}"`,
    `  interval ${TRACK.intervalS}`,
    `  timeout ${TRACK.timeoutS}`,
    `  fall ${TRACK.fall}`,
    `  rise ${TRACK.rise}`,
    '}',
    '',
    `vrrp_instance ${VRRP_INSTANCE} {`,
    '  state BACKUP',
    `  interface ${iface}`,
    `  virtual_router_id ${vip.routerId}`,
    `  priority ${vipPriority(host)}`,
    `  advert_int ${seconds(vip.advertIntervalMs)}`,
    ...(vip.preempt ? [] : ['  nopreempt']),
    ...(vip.auth === undefined ? [] : ['  authentication {', '    auth_type PASS', `    auth_pass ${vip.auth}`, '  }']),
    `  unicast_src_ip ${host.address}`,
    '  unicast_peer {',
    ...vipPeers(inv, vip, host).map((p) => `    ${p}`),
    '  }',
    '  virtual_ipaddress {',
    `    ${vip.address}/${vip.prefix} dev ${iface}`,
    '  }',
    '  track_file {',
    `    ${TRACK_FILE}`,
    '  }',
    // every transition (and STOP) writes the VIP state for node_exporter: render/vip-metric.ts
    `  notify "/bin/sh ${vipNotifyPath(inv)}" root`,
    '  track_script {',
    `    ${TRACK_SCRIPT}`,
    '  }',
    '}',
  ];
  return { name: posix.basename(KEEPALIVED_PATH), content: `${lines.join('\n')}\n`, mode: KEEPALIVED_MODE };
}
