// Role envoy_service: the hardened unit, enabled and running, and ready before we call it done.
import { posix } from 'node:path';
import { task, type Role } from '../../src/runner/types.ts';
import { factFile } from '../../src/modules/file.ts';
import { containerFact } from '../../src/facts/system.ts';
import { service } from '../../src/modules/systemd.ts';
import { waitReady } from '../../src/modules/wait-ready.ts';
import { restartPending } from '../../src/modules/restart-pending.ts';
import { UNIT_FILE_MODE, UNIT_NAME, UNIT_PATH, adminUrl, renderUnit, sandboxFor } from '../../src/render/index.ts';
import { EPOCH_FILE } from '../../src/render/hot-restarter.ts';
import { SERVICE_STARTED, restartHandler } from './handlers.ts';

/** `start: false` (the install command) lays the unit down and enables it without starting it. */
export function envoyService(o: { start: boolean } = { start: true }): Role {
  return {
    name: 'envoy_service',
    tasks: (inv, host) => {
      // the sandbox follows the host: under hardening auto, a container host gets the reduced one
      const unitFile = factFile(
        { path: UNIT_PATH, mode: UNIT_FILE_MODE },
        [containerFact],
        (facts) => renderUnit(inv, host, sandboxFor(host.hardening, facts.get(containerFact))).content,
      );
      // a unit file is read at a (re)start only: it is laid down while the release is on its way
      const unit = task('systemd unit', unitFile, { notify: [restartHandler], prepare: true });
      const enabled = task('service enabled', service({ unit: UNIT_NAME, enabled: true, reloadAfter: unit.key }), {
        prepare: true,
      });
      if (!o.start) return [unit, enabled];
      return [
        unit,
        enabled,
        // Its own task, so that "changed" here means exactly "started by this run": the restart
        // handler leaves such hosts alone (they already run the new config).
        task(
          SERVICE_STARTED,
          service({ unit: UNIT_NAME, state: 'started', reloadAfter: unit.key, daemonReload: false }),
        ),
        task(
          'ready',
          waitReady({
            unit: UNIT_NAME,
            readyUrl: adminUrl(inv, '/ready'),
            timeoutMs: inv.rolling.healthTimeoutMs,
            after: SERVICE_STARTED,
          }),
        ),
        task(
          'restart pending',
          restartPending({
            unit: UNIT_NAME,
            paths: [
              posix.join(inv.paths.configDir, 'envoy.yaml'),
              posix.join(inv.paths.installDir, 'current'),
              // the binary itself: one reinstalled in place (same version, new checksum) moves no link
              posix.join(inv.paths.installDir, 'current', 'envoy'),
            ],
            mainPaths: [UNIT_PATH],
            ...(inv.rolling.hotRestart && { epochFile: EPOCH_FILE }),
            handler: restartHandler,
            unless: [SERVICE_STARTED],
          }),
        ),
      ];
    },
    handlers: o.start ? [restartHandler] : [],
  };
}
