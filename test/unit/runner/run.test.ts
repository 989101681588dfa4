// The runner's state machine with scripted modules and fake transports: per-task statuses, a host
// stopping at its first failure while others go on, handlers once and only when notified, check
// mode, unreachable hosts, the max-fail stop, and facts gathered in one round trip.
import { describe, expect, it } from 'vitest';
import { Connections } from '../../../src/runner/connections.ts';
import { runPlay } from '../../../src/runner/run.ts';
import type { Module, Role, RunEvent, RunOptions } from '../../../src/runner/types.ts';
import type { HostSpec, Inventory } from '../../../src/inventory/types.ts';
import { createFakeTransport, type FakeTransport } from '../../../src/ssh/fake.ts';
import { ToolError } from '../../../src/errors.ts';
import type { FactSpec } from '../../../src/facts/types.ts';

const hosts = ['lb1', 'lb2', 'lb3'].map((name) => ({ name, address: name }) as HostSpec);
const inv = { hosts } as Inventory;
const opts: RunOptions = { check: false, diff: false, forks: 3, maxFailPercent: 100 };

const fact: FactSpec<string> = { key: 'x', script: 'echo x', parse: (o) => o.trim() };
const changes = (yes: boolean): Module => ({ facts: () => [fact], plan: () => ({ steps: yes ? [{ kind: 'exec', action: 'do it', command: ['true'] }] : [] }) });
const fails = (host: string): Module => ({
  facts: () => [],
  plan: (ctx) => ({ steps: [{ kind: 'exec', action: 'break', command: ctx.host.name === host ? ['false'] : ['true'] }] }),
});

function setup(unreachable: string[] = []) {
  const transports = new Map<string, FakeTransport>();
  const conns = new Connections(async (h) => {
    if (unreachable.includes(h.name)) throw new ToolError('connect', 'cannot connect: connection refused', { host: h.name });
    const t = createFakeTransport(h.name, (cmd) => {
      if (cmd.includes('@@ekp-fact')) return { stdout: '\n@@ekp-fact 0\nx\n@@ekp-fact-rc 0\n' };
      return { code: cmd === 'false' ? 1 : 0, stderr: cmd === 'false' ? 'it broke' : '' };
    });
    transports.set(h.name, t);
    return t;
  });
  return { conns, transports };
}

function role(tasks: { name: string; module: Module; notify?: string[] }[], handled: string[]): Role {
  return {
    name: 'r',
    tasks: () => tasks,
    handlers: [{ name: 'h', scope: 'host', run: async (c) => void handled.push(c.host.name) }],
  };
}

describe('runPlay', () => {
  it('reports changed then ok, runs a notified handler once per host, gathers facts in one round trip', async () => {
    const handled: string[] = [];
    const { conns, transports } = setup();
    const r = role(
      [
        { name: 'a', module: changes(true), notify: ['h'] },
        { name: 'b', module: changes(true), notify: ['h'] },
        { name: 'c', module: changes(false) },
      ],
      handled,
    );
    const res = await runPlay({ inv, hosts, roles: [r] }, opts, conns, () => {});
    expect(res.results.filter((x) => x.host === 'lb1').map((x) => `${x.task}:${x.status}`)).toEqual(['a:changed', 'b:changed', 'c:ok', 'h:changed']);
    expect(handled.sort()).toEqual(['lb1', 'lb2', 'lb3']);
    expect(transports.get('lb1')!.commands.filter((c) => c.includes('@@ekp-fact'))).toHaveLength(1);
    expect(res.recap.map((x) => x.changed)).toEqual([3, 3, 3]);
  });

  it('a failed task stops that host only; its handlers do not run', async () => {
    const handled: string[] = [];
    const { conns } = setup();
    const r = role([{ name: 'a', module: changes(true), notify: ['h'] }, { name: 'break', module: fails('lb2') }, { name: 'after', module: changes(false) }], handled);
    const res = await runPlay({ inv, hosts, roles: [r] }, opts, conns, () => {});
    const lb2 = res.results.filter((x) => x.host === 'lb2');
    expect(lb2.map((x) => x.status)).toEqual(['changed', 'failed']);
    expect(lb2[1]!.error).toBe('lb2: unable to break: it broke');
    expect(handled.sort()).toEqual(['lb1', 'lb3']);
    expect(res.recap.find((x) => x.host === 'lb2')!.failed).toBe(1);
  });

  it('check mode runs nothing and reports handlers as would run', async () => {
    const handled: string[] = [];
    const { conns, transports } = setup();
    const r = role([{ name: 'a', module: changes(true), notify: ['h'] }], handled);
    const res = await runPlay({ inv, hosts, roles: [r] }, { ...opts, check: true }, conns, () => {});
    expect(handled).toEqual([]);
    expect(res.results.filter((x) => x.host === 'lb1').map((x) => `${x.task}:${x.status}:${x.message}`)).toEqual(['a:changed:would change', 'h:changed:would run']);
    expect(transports.get('lb1')!.commands.every((c) => c.includes('@@ekp-fact'))).toBe(true);
  });

  it('an unreachable host is reported and the others converge', async () => {
    const { conns } = setup(['lb3']);
    const events: RunEvent[] = [];
    const res = await runPlay({ inv, hosts, roles: [role([{ name: 'a', module: changes(true) }], [])] }, opts, conns, (e) => events.push(e));
    expect(res.recap.find((x) => x.host === 'lb3')).toMatchObject({ unreachable: true, error: 'lb3: cannot connect: connection refused' });
    expect(res.recap.filter((x) => x.changed === 1).map((x) => x.host)).toEqual(['lb1', 'lb2']);
    expect(events.some((e) => e.kind === 'host-done' && e.host === 'lb3' && e.unreachable)).toBe(true);
  });

  it('stops starting hosts once the max-fail percentage is exceeded', async () => {
    const { conns } = setup(['lb1']);
    const res = await runPlay({ inv, hosts, roles: [role([{ name: 'a', module: changes(true) }], [])] }, { ...opts, forks: 1, maxFailPercent: 0 }, conns, () => {});
    expect(res.aborted).toBe(true);
    expect(res.results).toHaveLength(0);
  });

  it('when() skips with its reason', async () => {
    const { conns } = setup();
    const r: Role = { name: 'r', tasks: () => [{ name: 's', module: changes(true), when: () => 'not needed here' }] };
    const res = await runPlay({ inv, hosts: [hosts[0]!], roles: [r] }, opts, conns, () => {});
    expect(res.results[0]).toMatchObject({ status: 'skipped', message: 'not needed here' });
  });
});

describe('runPlay setup failures', () => {
  it('an error before the first task fails that host instead of passing silently', async () => {
    const { conns } = setup();
    const r: Role = { name: 'r', tasks: (_inv, h) => { if (h.name === 'lb2') throw new ToolError('module', 'cannot render'); return [{ name: 'a', module: changes(false) }]; } };
    const res = await runPlay({ inv, hosts, roles: [r] }, opts, conns, () => {});
    expect(res.recap.find((x) => x.host === 'lb2')!.failed).toBe(1);
    expect(res.results.find((x) => x.host === 'lb2')).toMatchObject({ status: 'failed', error: 'cannot render' });
  });
});
