// Role uninstall: stop and remove everything the tool put on a host. With purge, also the envoy
// user and the logs, so no trace of the tool is left. Idempotent like every role.
import { UNIT_NAME, UNIT_PATH } from '../../src/render/index.ts';
import { task, type Role } from '../../src/runner/types.ts';
import { absent } from '../../src/modules/absent.ts';
import { service } from '../../src/modules/systemd.ts';
import { command } from '../../src/modules/command.ts';
import { systemUser } from '../../src/modules/user.ts';


export function uninstall(o: { purge: boolean }): Role {
  return {
    name: 'uninstall',
    tasks: (inv) => [
      task('service stopped and disabled', service({ unit: UNIT_NAME, state: 'absent' })),
      task('systemd unit', absent(UNIT_PATH)),
      // facts are read before the unit file goes: systemd still knows the unit on the first run
      task(
        'systemd reloaded',
        command({ command: ['systemctl', 'daemon-reload'], action: 'reload systemd', unless: `systemctl show ${UNIT_NAME} -p LoadState | grep -qx LoadState=not-found` }),
      ),
      task('configuration', absent(inv.paths.configDir)),
      task('releases', absent(inv.paths.installDir)),
      ...(o.purge
        ? [task('logs', absent(inv.paths.logDir)), task(`system user ${inv.paths.user}`, systemUser({ name: inv.paths.user, group: inv.paths.group, state: 'absent' }))]
        : []),
    ],
  };
}
