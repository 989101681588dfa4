// The VIP's state for Prometheus. Envoy cannot know who holds the VIP and keepalived exports no
// metrics, so keepalived's `notify` (run on every VRRP transition, and with STOP when it stops)
// writes a file for node_exporter's textfile collector:
//   envoy_k8s_proxy_vip_master{address,host} 1 while this host is MASTER, else 0
//   envoy_k8s_proxy_vip_hosts{address,host} the hosts of the VRRP group (each should report)
// monitoring/alerts.yaml alerts on none or two holders, and on hosts that do not report.
// The write is atomic (a temp file in the same directory, renamed): node_exporter never reads half
// a file, and its collector ignores the temp file (not *.prom).
import { posix } from 'node:path';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { VIP_NOTIFY_NAME, VRRP_INSTANCE, vipNotifyPath, vipPeers } from './keepalived.ts';
import type { RenderedFile } from './types.ts';
import { header } from './yaml.ts';

export const VIP_METRIC_FILE = 'envoy_k8s_proxy_vip.prom';
/** The temp files a write leaves only when killed midway (uninstall removes them too). */
export const VIP_METRIC_TEMP = `.${VIP_METRIC_FILE}.`;
export const VIP_NOTIFY_MODE = 0o644;
/** keepalived's stop hook: a systemd drop-in, so the package's own unit file stays untouched. */
export const VIP_STOP_HOOK_PATH = '/etc/systemd/system/keepalived.service.d/envoy-k8s-proxy-vip.conf';

export const vipMetricPath = (inv: Inventory): string | undefined =>
  inv.vip && posix.join(inv.vip.textfileDir, VIP_METRIC_FILE);

/** The file's lines with `value` as the master value: 1, 0, or the script's `$v`. */
function metricLines(inv: Inventory, host: HostSpec, value: string): string[] {
  const vip = inv.vip;
  if (!vip) throw new Error('the VIP metric needs inv.vip');
  // an IP address and a validated host name: nothing to escape in a label value or a here-document
  const labels = `{address="${vip.address}",host="${host.name}"}`;
  return [
    '# HELP envoy_k8s_proxy_vip_master 1 while keepalived on this host is MASTER of the VIP (holds it), else 0.',
    '# TYPE envoy_k8s_proxy_vip_master gauge',
    `envoy_k8s_proxy_vip_master${labels} ${value}`,
    '# HELP envoy_k8s_proxy_vip_hosts Hosts in the VRRP group of the VIP: each of them should report envoy_k8s_proxy_vip_master.',
    '# TYPE envoy_k8s_proxy_vip_hosts gauge',
    `envoy_k8s_proxy_vip_hosts${labels} ${vipPeers(inv, vip, host).length + 1}`,
  ];
}

/** The file's text for one state: what the notify script writes, byte for byte. */
export function vipMetricText(inv: Inventory, host: HostSpec, master: boolean): string {
  return `${metricLines(inv, host, master ? '1' : '0').join('\n')}\n`;
}

/**
 * keepalived's notify script: `sh vip-notify.sh INSTANCE <name> <state> <priority>`. It writes 1
 * while the VIP is on one of this host's interfaces other than lo, else (and on STOP) 0; the stop
 * hook (below) calls it with STOPPED. Without the directory (no node_exporter) it does nothing: the
 * deploy said so. vip.textfileDir is a validated path: no quoting needed.
 */
export function renderVipNotify(inv: Inventory, host: HostSpec): RenderedFile {
  const vip = inv.vip;
  if (!vip) throw new Error('renderVipNotify needs inv.vip');
  const script = [
    header({ inventory: inv.name, host: host.name }).trimEnd(),
    "# keepalived's notify for the VIP: its state for node_exporter's textfile collector.",
    'set -eu',
    `d=${vip.textfileDir}`,
    '[ -d "$d" ] || exit 0',
    // notifies of quick transitions (MASTER, then BACKUP at a start) run concurrently and could be
    // renamed into place out of order: one at a time (a lock on this script), each writing what
    // holds when it runs, read from the interfaces (the lo copy of the VIP does not count); a
    // MASTER notify gives keepalived a moment to have added the address
    'exec 9<"$0"',
    'if command -v flock >/dev/null; then flock 9; fi',
    'v=0',
    'n=0',
    'while [ "${3:-}" != STOP ]; do',
    `  if ip -o addr show to ${vip.address} 2>/dev/null | grep -v '^[0-9]*: lo ' | grep -q .; then v=1; break; fi`,
    '  [ "${3:-}" = MASTER ] && [ "$n" -lt 10 ] || break',
    '  n=$((n + 1))',
    '  sleep 0.1',
    'done',
    'umask 022',
    `t=$(mktemp "$d/${VIP_METRIC_TEMP}XXXXXX")`,
    `trap 'rm -f "$t"' EXIT INT TERM HUP`,
    'cat >"$t" <<EOF',
    ...metricLines(inv, host, '$v'),
    'EOF',
    'chmod 644 "$t"',
    `mv -f "$t" "$d/${VIP_METRIC_FILE}"`,
    'trap - EXIT',
    '',
  ];
  return { name: VIP_NOTIFY_NAME, content: script.join('\n'), mode: VIP_NOTIFY_MODE };
}

/**
 * The drop-in that runs the notify script once keepalived has stopped, however it stopped. keepalived
 * forks its STOP notify while it exits, and systemd's final SIGTERM to the unit's cgroup (KillMode=
 * control-group, systemd.kill(5)) can kill that notify before it writes: the file kept saying 1 on a
 * stopped host. ExecStopPost= runs after the main process is gone, also after a crash or SIGKILL
 * (systemd.service(5)); its state STOPPED reads the interfaces, so a keepalived killed without
 * taking the VIP off its interface is still reported as holding it.
 */
export function renderVipStopHook(inv: Inventory, host: HostSpec): RenderedFile {
  const lines = [
    header({ inventory: inv.name, host: host.name }).trimEnd(),
    '# The VIP state for node_exporter, written once keepalived has stopped (its STOP notify may be killed with it).',
    '[Service]',
    `ExecStopPost=/bin/sh ${vipNotifyPath(inv)} INSTANCE ${VRRP_INSTANCE} STOPPED 0`,
  ];
  return { name: posix.basename(VIP_STOP_HOOK_PATH), content: `${lines.join('\n')}\n`, mode: 0o644 };
}
