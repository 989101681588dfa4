// Role vip: keepalived installed, configured for this inventory's VIP and running, so that the VIP
// sits on a host whose Envoy is ready, and every host carries it on lo behind ARP rules that leave
// answering ARP to the holder (src/render/vip-arp.ts). Without `vip:` it only takes down a keepalived the tool set
// up earlier (the VIP was removed from the inventory), and otherwise does nothing.
import { task, type Role } from '../../src/runner/types.ts';
import type { HostSpec, Inventory } from '../../src/inventory/types.ts';
import { command } from '../../src/modules/command.ts';
import { service } from '../../src/modules/systemd.ts';
import { keepalivedConfig } from '../../src/modules/keepalived-config.ts';
import { retireKeepalived } from '../../src/modules/ownership.ts';
import { KEEPALIVED_UNIT, vipNotifyPath } from '../../src/render/keepalived.ts';
import { file } from '../../src/modules/file.ts';
import { vipMetric } from '../../src/modules/vip-metric.ts';
import {
  renderVipNotify,
  renderVipStopHook,
  VIP_NOTIFY_MODE,
  VIP_STOP_HOOK_PATH,
} from '../../src/render/vip-metric.ts';
import { healthUrl } from '../../src/render/health-url.ts';
import { renderVipArp, VIP_ARP_APPLIED, VIP_ARP_PATH } from '../../src/render/vip-arp.ts';
import { quote } from '../../src/ssh/index.ts';
import { KEEPALIVED_STARTED, keepalivedReload } from './handlers.ts';

// nft: a restart's hand-off drops new SYNs to the VIP on the holder before it leaves (src/ops/vip-release.ts)
const PACKAGE = task(
  'keepalived and nftables packages',
  command({
    command: 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends keepalived nftables',
    action: 'install keepalived and nftables (apt-get)',
    unless: 'command -v keepalived >/dev/null && command -v nft >/dev/null',
  }),
  { prepare: true },
);

function withVip(inv: Inventory, host: HostSpec) {
  // before keepalived puts the VIP on lo: a host that answered ARP for it would pull clients to itself
  const arp = renderVipArp(inv, host);
  const arpRules = [
    task('ARP rules for the VIP', file({ path: VIP_ARP_PATH, content: arp.content, mode: arp.mode }), {
      prepare: true,
    }),
    task(
      'ARP rules applied',
      command({
        command: `sysctl -q -p ${quote(VIP_ARP_PATH)}`,
        action: `apply ${VIP_ARP_PATH} (sysctl)`,
        unless: VIP_ARP_APPLIED,
      }),
      { prepare: true },
    ),
  ];
  const config = task('keepalived configuration', keepalivedConfig(inv, host, healthUrl(inv, host)), {
    notify: [keepalivedReload],
  });
  // keepalived.conf names it: in place before keepalived reads the configuration
  const notify = file({ path: vipNotifyPath(inv), content: renderVipNotify(inv, host).content, mode: VIP_NOTIFY_MODE });
  const hook = renderVipStopHook(inv, host);
  // systemd reads a new drop-in at daemon-reload; keepalived itself need not restart for it
  const stopHook = task(
    'keepalived stop hook',
    file({ path: VIP_STOP_HOOK_PATH, content: hook.content, mode: hook.mode, parents: true }),
    { prepare: true },
  );
  const unitFiles = [PACKAGE.key, stopHook.key];
  return [
    PACKAGE,
    task('keepalived notify script', notify, { prepare: true }),
    stopHook,
    ...arpRules,
    // enabled only says "start at boot": laid down with the unit files, while the release is on its way
    task('keepalived enabled', service({ unit: KEEPALIVED_UNIT, enabled: true, reloadAfter: unitFiles }), {
      prepare: true,
    }),
    config,
    // 'keepalived enabled' reloaded systemd already when one of the unit files changed
    task(
      KEEPALIVED_STARTED,
      service({ unit: KEEPALIVED_UNIT, state: 'started', reloadAfter: unitFiles, daemonReload: false }),
    ),
    task('VIP state for node_exporter', vipMetric(inv, host)),
  ];
}

export const vip: Role = {
  name: 'vip',
  tasks: (inv, host) =>
    inv.vip
      ? withVip(inv, host)
      : // a VIP removed from the inventory must not stay up on the old configuration
        [task('keepalived (no vip)', retireKeepalived(inv))],
  handlers: [keepalivedReload],
};
