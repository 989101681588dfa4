// service: a systemd unit's enabled and running state; daemon-reload only when systemd says the
// unit file changed on disk, or when the task that wrote it changed in this run.
import { unitFact } from '../facts/system.ts';
import type { Module, Step, TaskContext } from '../runner/types.ts';

export interface ServiceArgs {
  unit: string;
  enabled?: boolean;
  state?: 'started' | 'stopped' | 'restarted' | 'absent';
  /** Name of the task that writes the unit file: if it changed, daemon-reload first. */
  unitFileTask?: string;
  /** false: an earlier task already reloaded systemd in this run (the unit file task still makes the unit known). */
  daemonReload?: boolean;
}

export function service(a: ServiceArgs): Module {
  const fact = unitFact(a.unit);
  return {
    facts: () => [fact],
    plan(ctx: TaskContext) {
      const cur = ctx.facts.get(fact);
      const steps: Step[] = [];
      const unitWritten = a.unitFileTask !== undefined && ctx.changed.has(a.unitFileTask);
      const known = cur.loadState === 'loaded' || unitWritten;
      const sc = (verb: string, ...args: string[]): Step => ({ kind: 'exec', action: `${verb} ${a.unit}`, command: ['systemctl', verb, ...args, a.unit] });
      const said: string[] = [];
      if (a.state === 'absent') {
        if (cur.loadState === 'not-found') return { steps: [] };
        return { steps: [{ kind: 'exec', action: `stop and disable ${a.unit}`, command: `systemctl disable --now ${a.unit} 2>/dev/null; systemctl reset-failed ${a.unit} 2>/dev/null; true` }], message: 'stopped and disabled' };
      }
      if (!known && a.state !== 'stopped') return { steps: [], fail: `unit ${a.unit} is not installed` };
      if (a.daemonReload !== false && (unitWritten || cur.needDaemonReload)) {
        steps.push({ kind: 'exec', action: 'reload systemd', command: ['systemctl', 'daemon-reload'] });
        said.push('daemon-reload');
      }
      if (a.enabled === true && cur.unitFileState !== 'enabled') {
        steps.push(sc('enable'));
        said.push('enabled');
      }
      if (a.enabled === false && cur.unitFileState === 'enabled') {
        steps.push(sc('disable'));
        said.push('disabled');
      }
      const active = cur.activeState === 'active' || cur.activeState === 'activating' || cur.activeState === 'reloading';
      if (a.state === 'started' && !active) {
        steps.push(sc('start'));
        said.push(`started (was ${cur.activeState})`);
      } else if (a.state === 'stopped' && cur.loadState === 'loaded' && cur.activeState !== 'inactive' && cur.activeState !== 'failed') {
        steps.push(sc('stop'));
        said.push('stopped');
      } else if (a.state === 'restarted') {
        steps.push(sc('restart'));
        said.push('restarted');
      }
      return { steps, message: said.join(', ') || undefined };
    },
  };
}
