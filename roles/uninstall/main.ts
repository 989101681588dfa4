// Role uninstall: stop and remove what the tool created on a host, and only that: the manifest
// (src/ownership/) says what it created; anything else of the same name is left alone and
// reported. With purge, also the logs and the service account. Idempotent like every role.
import { UNIT_NAME } from '../../src/render/index.ts';
import { task, type Role } from '../../src/runner/types.ts';
import { service } from '../../src/modules/systemd.ts';
import { command } from '../../src/modules/command.ts';
import { forgetRemoved, ifOwnsFile, ifOwnsUnit, removeOwned } from '../../src/modules/ownership.ts';
import { KEEPALIVED_UNIT } from '../../src/render/keepalived.ts';

export function uninstall(o: { purge: boolean }): Role {
  const { purge } = o;
  return {
    name: 'uninstall',
    tasks: (inv) => [
      // the VIP goes first: a host without Envoy must not keep answering for it
      task(
        'keepalived stopped and disabled',
        ifOwnsFile(inv, 'keepalived', purge, service({ unit: KEEPALIVED_UNIT, state: 'absent' })),
      ),
      task('keepalived configuration', removeOwned(inv, 'keepalived', purge)),
      task('keepalived stop hook', removeOwned(inv, 'vipStopHook', purge)),
      // after the stop: keepalived's STOP notify writes it one last time
      task('VIP state for node_exporter', removeOwned(inv, 'vipMetric', purge)),
      // after keepalived's stop took the VIP off lo
      task('ARP rules for the VIP', removeOwned(inv, 'vipArp', purge)),
      task('service stopped and disabled', ifOwnsUnit(inv, purge, service({ unit: UNIT_NAME, state: 'absent' }))),
      task('systemd unit', removeOwned(inv, 'unit', purge)),
      // facts are read before the unit file goes: systemd still knows the unit on the first run
      task(
        'systemd reloaded',
        ifOwnsUnit(
          inv,
          purge,
          command({
            command: ['systemctl', 'daemon-reload'],
            action: 'reload systemd',
            unless: `systemctl show ${UNIT_NAME} -p LoadState | grep -qx LoadState=not-found`,
          }),
        ),
      ),
      task('configuration', removeOwned(inv, 'configDir', purge)),
      // kept logs (no --purge) are left as they are, not rotated away by a rule of an uninstalled tool
      task('log rotation', removeOwned(inv, 'logrotate', purge)),
      task('releases', removeOwned(inv, 'installDir', purge)),
      ...(purge
        ? [
            task('logs', removeOwned(inv, 'logDir', purge)),
            task(`system user ${inv.paths.user}`, removeOwned(inv, 'accounts', purge)),
          ]
        : []),
      task('ownership manifest', forgetRemoved(inv, purge)),
    ],
  };
}
