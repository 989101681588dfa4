// Role vip: keepalived installed, configured for this inventory's VIP and running, so that the VIP
// sits on a host whose Envoy is ready. Without `vip:` it only takes down a keepalived the tool set
// up earlier (the VIP was removed from the inventory), and otherwise does nothing.
import { task, type Role } from '../../src/runner/types.ts';
import type { HostSpec, Inventory } from '../../src/inventory/types.ts';
import { command } from '../../src/modules/command.ts';
import { service } from '../../src/modules/systemd.ts';
import { keepalivedConfig } from '../../src/modules/keepalived-config.ts';
import { retireKeepalived } from '../../src/modules/ownership.ts';
import { KEEPALIVED_UNIT } from '../../src/render/keepalived.ts';
import { healthUrl } from '../../src/render/health-url.ts';
import { KEEPALIVED_STARTED, keepalivedReload } from './handlers.ts';

const PACKAGE = task(
  'keepalived package',
  command({
    command: 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends keepalived',
    action: 'install keepalived (apt-get)',
    unless: 'command -v keepalived >/dev/null',
  }),
);

function withVip(inv: Inventory, host: HostSpec) {
  const config = task('keepalived configuration', keepalivedConfig(inv, host, healthUrl(inv, host)), {
    notify: [keepalivedReload],
  });
  return [
    PACKAGE,
    config,
    task('keepalived enabled', service({ unit: KEEPALIVED_UNIT, enabled: true, reloadAfter: PACKAGE.key })),
    task(KEEPALIVED_STARTED, service({ unit: KEEPALIVED_UNIT, state: 'started', reloadAfter: PACKAGE.key })),
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
