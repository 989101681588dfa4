// Role envoy_service: the hardened unit, enabled and running, and ready before we call it done.
import { posix } from 'node:path';
import type { Role } from '../../src/runner/types.ts';
import { factFile } from '../../src/modules/file.ts';
import { containerFact } from '../../src/facts/system.ts';
import { service } from '../../src/modules/systemd.ts';
import { waitReady } from '../../src/modules/wait-ready.ts';
import { restartPending } from '../../src/modules/restart-pending.ts';
import { renderUnit, sandboxFor } from '../../src/render/index.ts';
import { adminUrl } from '../../src/ops/admin.ts';
import { UNIT } from '../../src/ops/gate.ts';
import { RESTART, START_TASK, restartHandler } from './handlers.ts';

const UNIT_TASK = 'systemd unit';

/** `start: false` (the install command) lays the unit down and enables it without starting it. */
export function envoyService(o: { start: boolean } = { start: true }): Role {
  return {
    name: 'envoy_service',
    tasks: (inv, host) => [
      {
        name: UNIT_TASK,
        // the sandbox follows the host: under hardening auto, a container host gets the reduced one
        module: factFile({ path: posix.join('/etc/systemd/system', UNIT), mode: 0o644 }, [containerFact], (facts) =>
          renderUnit(inv, host, sandboxFor(host.hardening, facts.get(containerFact))).content,
        ),
        notify: [RESTART],
      },
      { name: 'service enabled', module: service({ unit: UNIT, enabled: true, unitFileTask: UNIT_TASK }) },
      // Its own task, so that "changed" here means exactly "started by this run": the restart
      // handler leaves such hosts alone (they already run the new config).
      ...(o.start
        ? [
            { name: START_TASK, module: service({ unit: UNIT, state: 'started', unitFileTask: UNIT_TASK, daemonReload: false }) },
            { name: 'ready', module: waitReady({ unit: UNIT, readyUrl: adminUrl(inv, '/ready'), timeoutMs: inv.rolling.healthTimeoutMs, onlyAfter: START_TASK }) },
            {
              name: 'restart pending',
              module: restartPending({
                unit: UNIT,
                paths: [posix.join(inv.paths.configDir, 'envoy.yaml'), posix.join('/etc/systemd/system', UNIT), posix.join(inv.paths.installDir, 'current')],
                handler: RESTART,
                unless: [START_TASK],
              }),
            },
          ]
        : []),
    ],
    handlers: o.start ? [restartHandler] : [],
  };
}
