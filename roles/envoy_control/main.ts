// Role envoy_control: the service started, stopped or restarted on each host, and the result
// awaited (active and admin /ready LIVE; or inactive) within a bound. Nothing else on the host moves.
import type { Role } from '../../src/runner/types.ts';
import { service } from '../../src/modules/systemd.ts';
import { waitReady } from '../../src/modules/wait-ready.ts';
import { waitStopped } from '../../src/modules/wait-stopped.ts';
import { adminUrl } from '../../src/ops/admin.ts';
import { UNIT } from '../../src/ops/gate.ts';

export type ControlAction = 'start' | 'stop' | 'restart';

const TASK = { start: 'service started', stop: 'service stopped', restart: 'service restarted' } as const;
const STATE = { start: 'started', stop: 'stopped', restart: 'restarted' } as const;

export function envoyControl(action: ControlAction, timeoutMs: number): Role {
  return {
    name: 'envoy_control',
    tasks: (inv) => [
      { name: TASK[action], module: service({ unit: UNIT, state: STATE[action], timeoutMs }) },
      action === 'stop'
        ? { name: 'inactive', module: waitStopped({ unit: UNIT, timeoutMs, onlyAfter: TASK[action] }) }
        : { name: 'ready', module: waitReady({ unit: UNIT, readyUrl: adminUrl(inv, '/ready'), timeoutMs, onlyAfter: TASK[action] }) },
    ],
  };
}
