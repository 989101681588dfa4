// service: a systemd unit's enabled and running state; daemon-reload only when systemd says the
// unit file changed on disk, or when the task that wrote it changed in this run.
import { unitFact } from '../facts/system.ts';
import { quote } from '../ssh/index.ts';
import { change, fail, ok, type Module, type Step, type TaskContext, type TaskKey } from '../runner/types.ts';

export interface ServiceArgs {
  unit: string;
  enabled?: boolean;
  state?: 'started' | 'stopped' | 'restarted' | 'absent';
  /** The tasks that write the unit file or its drop-ins: if one changed in this run, daemon-reload first. */
  reloadAfter?: TaskKey | TaskKey[];
  /** Bound on each systemctl call (start/stop/restart wait for the job). */
  timeoutMs?: number;
  /** false: an earlier task already reloaded systemd for this unit file. */
  daemonReload?: boolean;
}

export function service(a: ServiceArgs): Module {
  const fact = unitFact(a.unit);
  return {
    facts: () => [fact],
    plan(ctx: TaskContext) {
      const cur = ctx.facts.get(fact);
      const steps: Step[] = [];
      const unitWritten = [a.reloadAfter ?? []].flat().some((k) => ctx.changed.has(k));
      const known = cur.loadState === 'loaded' || unitWritten;
      const sc = (verb: string, ...args: string[]): Step => ({
        kind: 'exec',
        action: `${verb} ${a.unit}`,
        command: ['systemctl', verb, ...args, a.unit],
        timeoutMs: a.timeoutMs,
      });
      const said: string[] = [];
      if (a.state === 'absent') {
        if (cur.loadState === 'not-found') return ok();
        const u = quote(a.unit);
        return change(
          [
            {
              kind: 'exec',
              action: `stop and disable ${a.unit}`,
              command: `systemctl disable --now ${u} 2>/dev/null; systemctl reset-failed ${u} 2>/dev/null; true`,
            },
          ],
          { message: 'stopped and disabled' },
        );
      }
      if (!known && a.state !== 'stopped') return fail(`unit ${a.unit} is not installed`);
      const enable = a.enabled === true && cur.unitFileState !== 'enabled';
      const disable = a.enabled === false && cur.unitFileState === 'enabled';
      if (a.daemonReload !== false && (unitWritten || cur.needDaemonReload)) {
        // `systemctl enable`/`disable` reload the manager themselves (systemctl(1), --no-reload):
        // a second reload first would only cost every unit's parse once more
        if (!enable && !disable)
          steps.push({ kind: 'exec', action: 'reload systemd', command: ['systemctl', 'daemon-reload'] });
        said.push('daemon-reload');
      }
      if (enable) {
        steps.push(sc('enable'));
        said.push('enabled');
      }
      if (disable) {
        steps.push(sc('disable'));
        said.push('disabled');
      }
      const active =
        cur.activeState === 'active' || cur.activeState === 'activating' || cur.activeState === 'reloading';
      if (a.state === 'started' && !active) {
        steps.push(sc('start'));
        said.push(`started (was ${cur.activeState})`);
      } else if (
        a.state === 'stopped' &&
        cur.loadState === 'loaded' &&
        cur.activeState !== 'inactive' &&
        cur.activeState !== 'failed'
      ) {
        steps.push(sc('stop'));
        said.push('stopped');
      } else if (a.state === 'restarted') {
        steps.push(sc('restart'));
        said.push('restarted');
      }
      return steps.length ? change(steps, { message: said.join(', ') }) : ok();
    },
  };
}
