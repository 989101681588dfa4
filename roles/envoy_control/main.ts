// Role envoy_control: the service started, stopped or restarted on each host, and the result
// awaited (active and admin /ready LIVE; or inactive) within a bound. Nothing else on the host moves.
import { UNIT_NAME, adminUrl } from '../../src/render/index.ts';
import { task, type Role } from '../../src/runner/types.ts';
import { service } from '../../src/modules/systemd.ts';
import { waitReady } from '../../src/modules/wait-ready.ts';
import { waitStopped } from '../../src/modules/wait-stopped.ts';

export type ControlAction = 'start' | 'stop' | 'restart';

const TITLE = { start: 'service started', stop: 'service stopped', restart: 'service restarted' } as const;
const STATE = { start: 'started', stop: 'stopped', restart: 'restarted' } as const;

export function envoyControl(action: ControlAction, timeoutMs: number): Role {
  return {
    name: 'envoy_control',
    tasks: (inv) => {
      const acted = task(TITLE[action], service({ unit: UNIT_NAME, state: STATE[action], timeoutMs }));
      return [
        acted,
        action === 'stop'
          ? task('inactive', waitStopped({ unit: UNIT_NAME, timeoutMs, after: acted.key }))
          : task(
              'ready',
              waitReady({ unit: UNIT_NAME, readyUrl: adminUrl(inv, '/ready'), timeoutMs, after: acted.key }),
            ),
      ];
    },
  };
}
