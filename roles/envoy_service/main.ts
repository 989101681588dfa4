// Role envoy_service: the hardened unit, enabled and running, and ready before we call it done.
import { posix } from 'node:path';
import { task, type Role } from '../../src/runner/types.ts';
import { file } from '../../src/modules/file.ts';
import { service } from '../../src/modules/systemd.ts';
import { waitReady } from '../../src/modules/wait-ready.ts';
import { restartPending } from '../../src/modules/restart-pending.ts';
import { renderUnit } from '../../src/render/index.ts';
import { adminUrl } from '../../src/ops/admin.ts';
import { UNIT } from '../../src/ops/gate.ts';
import { SERVICE_STARTED, restartHandler } from './handlers.ts';

/** `start: false` (the install command) lays the unit down and enables it without starting it. */
export function envoyService(o: { start: boolean } = { start: true }): Role {
  return {
    name: 'envoy_service',
    tasks: (inv, host) => {
      const unitPath = posix.join('/etc/systemd/system', UNIT);
      const unit = task('systemd unit', file({ path: unitPath, content: renderUnit(inv, host).content, mode: 0o644 }), { notify: [restartHandler] });
      const enabled = task('service enabled', service({ unit: UNIT, enabled: true, reloadAfter: unit.key }));
      if (!o.start) return [unit, enabled];
      return [
        unit,
        enabled,
        // Its own task, so that "changed" here means exactly "started by this run": the restart
        // handler leaves such hosts alone (they already run the new config).
        task(SERVICE_STARTED, service({ unit: UNIT, state: 'started', reloadAfter: unit.key, daemonReload: false })),
        task('ready', waitReady({ unit: UNIT, readyUrl: adminUrl(inv, '/ready'), timeoutMs: inv.rolling.healthTimeoutMs, after: SERVICE_STARTED })),
        task(
          'restart pending',
          restartPending({
            unit: UNIT,
            paths: [posix.join(inv.paths.configDir, 'envoy.yaml'), unitPath, posix.join(inv.paths.installDir, 'current')],
            handler: restartHandler,
            unless: [SERVICE_STARTED],
          }),
        ),
      ];
    },
    handlers: o.start ? [restartHandler] : [],
  };
}
