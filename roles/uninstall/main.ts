// Role uninstall: stop and remove everything the tool put on a host. With purge, also the envoy
// user and the logs, so no trace of the tool is left. Idempotent like every role.
import { posix } from 'node:path';
import type { Role } from '../../src/runner/types.ts';
import { absent } from '../../src/modules/absent.ts';
import { service } from '../../src/modules/systemd.ts';
import { command } from '../../src/modules/command.ts';
import { systemUser } from '../../src/modules/user.ts';
import { UNIT } from '../../src/ops/gate.ts';
import { LOGROTATE_PATH } from '../../src/render/index.ts';

const UNIT_FILE = posix.join('/etc/systemd/system', UNIT);

export function uninstall(o: { purge: boolean }): Role {
  return {
    name: 'uninstall',
    tasks: (inv) => [
      { name: 'service stopped and disabled', module: service({ unit: UNIT, state: 'absent' }) },
      { name: 'systemd unit', module: absent(UNIT_FILE) },
      {
        // facts are read before the unit file goes: systemd still knows the unit on the first run
        name: 'systemd reloaded',
        module: command({ command: ['systemctl', 'daemon-reload'], action: 'reload systemd', unless: `systemctl show ${UNIT} -p LoadState | grep -qx LoadState=not-found` }),
      },
      { name: 'configuration', module: absent(inv.paths.configDir) },
      // kept logs (no --purge) are left as they are, not rotated away by a rule of an uninstalled tool
      { name: 'log rotation', module: absent(LOGROTATE_PATH) },
      { name: 'releases', module: absent(inv.paths.installDir) },
      ...(o.purge
        ? [
            { name: 'logs', module: absent(inv.paths.logDir) },
            { name: `system user ${inv.paths.user}`, module: systemUser({ name: inv.paths.user, group: inv.paths.group, state: 'absent' as const }) },
          ]
        : []),
    ],
  };
}
