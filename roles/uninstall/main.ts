// Role uninstall: stop and remove what the tool created on a host, and only that: the manifest
// (src/ownership/) says what it created; anything else of the same name is left alone and
// reported. With purge, also the logs and the service account. Idempotent like every role.
import type { Role } from '../../src/runner/types.ts';
import { service } from '../../src/modules/systemd.ts';
import { command } from '../../src/modules/command.ts';
import { forgetRemoved, ownsUnit, removeOwned } from '../../src/modules/ownership.ts';
import { UNIT } from '../../src/ops/gate.ts';

export function uninstall(o: { purge: boolean }): Role {
  const { purge } = o;
  return {
    name: 'uninstall',
    tasks: (inv) => [
      { name: 'service stopped and disabled', module: service({ unit: UNIT, state: 'absent' }), when: (ctx) => ownsUnit(ctx, purge) },
      { name: 'systemd unit', module: removeOwned(inv, 'unit', purge) },
      {
        // facts are read before the unit file goes: systemd still knows the unit on the first run
        name: 'systemd reloaded',
        module: command({ command: ['systemctl', 'daemon-reload'], action: 'reload systemd', unless: `systemctl show ${UNIT} -p LoadState | grep -qx LoadState=not-found` }),
        when: (ctx) => ownsUnit(ctx, purge),
      },
      { name: 'configuration', module: removeOwned(inv, 'configDir', purge) },
      { name: 'releases', module: removeOwned(inv, 'installDir', purge) },
      ...(purge
        ? [
            { name: 'logs', module: removeOwned(inv, 'logDir', purge) },
            { name: `system user ${inv.paths.user}`, module: removeOwned(inv, 'accounts', purge) },
          ]
        : []),
      { name: 'ownership manifest', module: forgetRemoved(inv, purge) },
    ],
  };
}
