// The runner's state machine with scripted modules and fake transports: per-task statuses, a host
// stopping at its first failure while others go on, handlers once and only when notified, check
// mode, unreachable hosts, the max-fail stop, and facts gathered in one round trip.
import { describe, expect, it } from 'vitest';
import { Connections } from '../../../src/runner/connections.ts';
import { runPlay } from '../../../src/runner/run.ts';
import {
  change,
  ok,
  probe,
  task,
  taskKey,
  type Handler,
  type Module,
  type Role,
  type RunEvent,
  type RunOptions,
} from '../../../src/runner/types.ts';
import type { HostSpec, Inventory } from '../../../src/inventory/types.ts';
import { createFakeTransport, type FakeTransport } from '../../../src/ssh/fake.ts';
import { ToolError } from '../../../src/errors.ts';
import type { FactSpec } from '../../../src/facts/types.ts';

const hosts = ['lb1', 'lb2', 'lb3'].map((name) => ({ name, address: name }) as HostSpec);
const inv = { hosts } as Inventory;
const opts: RunOptions = { check: false, diff: false, forks: 3, maxFailPercent: 100 };

const fact: FactSpec<string> = { key: 'x', script: 'echo x', parse: (o) => o.trim() };
const changes = (yes: boolean): Module => ({
  facts: () => [fact],
  plan: () => (yes ? change([{ kind: 'exec', action: 'do it', command: ['true'] }]) : ok()),
});
const fails = (host: string): Module => ({
  facts: () => [],
  plan: (ctx) => change([{ kind: 'exec', action: 'break', command: ctx.host.name === host ? ['false'] : ['true'] }]),
});

function setup(unreachable: string[] = []) {
  const transports = new Map<string, FakeTransport>();
  const conns = new Connections(async (h) => {
    if (unreachable.includes(h.name))
      throw new ToolError('connect', 'cannot connect: connection refused', { host: h.name });
    const t = createFakeTransport(h.name, (cmd) => {
      if (cmd.includes('@@ekp-fact')) return { stdout: '\n@@ekp-fact 0\nx\n@@ekp-fact-rc 0\n' };
      return { code: cmd === 'false' ? 1 : 0, stderr: cmd === 'false' ? 'it broke' : '' };
    });
    transports.set(h.name, t);
    return t;
  });
  return { conns, transports };
}

/** A handler that records the hosts it ran for (once per run, over every notifying host). */
function recorder(handled: string[]): Handler {
  return {
    name: 'h',
    async run(c) {
      handled.push(...c.hosts.map((h) => h.name));
      return new Map(c.hosts.map((h) => [h.name, 'handled']));
    },
  };
}

function role(tasks: (h: Handler) => ReturnType<typeof task>[], handled: string[]): Role {
  const h = recorder(handled);
  return { name: 'r', tasks: () => tasks(h), handlers: [h] };
}

describe('runPlay', () => {
  it('reports changed then ok, runs a notified handler once per host, gathers facts in one round trip', async () => {
    const handled: string[] = [];
    const { conns, transports } = setup();
    const r = role(
      (h) => [
        task('a', changes(true), { notify: [h] }),
        task('b', changes(true), { notify: [h] }),
        task('c', changes(false)),
      ],
      handled,
    );
    const res = await runPlay({ inv, hosts, roles: [r] }, opts, conns, () => {});
    expect(res.results.filter((x) => x.host === 'lb1').map((x) => `${x.task}:${x.status}`)).toEqual([
      'a:changed',
      'b:changed',
      'c:ok',
      'h:changed',
    ]);
    expect(handled.sort()).toEqual(['lb1', 'lb2', 'lb3']);
    expect(transports.get('lb1')!.commands.filter((c) => c.includes('@@ekp-fact'))).toHaveLength(1);
    expect(res.recap.map((x) => x.changed)).toEqual([3, 3, 3]);
  });

  it('a failed task stops that host only; its handlers do not run', async () => {
    const handled: string[] = [];
    const { conns } = setup();
    const r = role(
      (h) => [task('a', changes(true), { notify: [h] }), task('break', fails('lb2')), task('after', changes(false))],
      handled,
    );
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
    const r = role((h) => [task('a', changes(true), { notify: [h] })], handled);
    const res = await runPlay({ inv, hosts, roles: [r] }, { ...opts, check: true }, conns, () => {});
    expect(handled).toEqual([]);
    expect(res.results.filter((x) => x.host === 'lb1').map((x) => `${x.task}:${x.status}:${x.message}`)).toEqual([
      'a:changed:would change',
      'h:changed:would run',
    ]);
    expect(transports.get('lb1')!.commands.every((c) => c.includes('@@ekp-fact'))).toBe(true);
  });

  it('an unreachable host is reported and the others converge', async () => {
    const { conns } = setup(['lb3']);
    const events: RunEvent[] = [];
    const res = await runPlay({ inv, hosts, roles: [role(() => [task('a', changes(true))], [])] }, opts, conns, (e) =>
      events.push(e),
    );
    expect(res.recap.find((x) => x.host === 'lb3')).toMatchObject({
      unreachable: true,
      error: 'lb3: cannot connect: connection refused',
    });
    expect(res.recap.filter((x) => x.changed === 1).map((x) => x.host)).toEqual(['lb1', 'lb2']);
    expect(events.some((e) => e.kind === 'host-done' && e.host === 'lb3' && e.unreachable)).toBe(true);
  });

  it('stops starting hosts once the max-fail percentage is exceeded', async () => {
    const { conns } = setup(['lb1']);
    const res = await runPlay(
      { inv, hosts, roles: [role(() => [task('a', changes(true))], [])] },
      { ...opts, forks: 1, maxFailPercent: 0 },
      conns,
      () => {},
    );
    expect(res.aborted).toBe(true);
    expect(res.results).toHaveLength(0);
  });

  it('check mode reports a probe without running it', async () => {
    const { conns, transports } = setup();
    const wait: Module = {
      facts: () => [],
      plan: () => probe([{ kind: 'exec', action: 'wait', command: ['true'] }], 'ready'),
    };
    const res = await runPlay(
      { inv, hosts: [hosts[0]!], roles: [role(() => [task('w', wait)], [])] },
      { ...opts, check: true },
      conns,
      () => {},
    );
    expect(res.results[0]).toMatchObject({ status: 'ok', message: 'would wait: ready' });
    expect(transports.get('lb1')!.commands.every((c) => c.includes('@@ekp-fact'))).toBe(true);
  });

  it('links between tasks follow the key object, not the title', async () => {
    const { conns } = setup();
    const started = taskKey('started');
    const renamed = taskKey('started'); // same title, another task: must not count
    const sees = (k: typeof started): Module => ({
      facts: () => [],
      plan: (ctx) => (ctx.changed.has(k) ? ok('saw it') : ok('did not')),
    });
    const r: Role = {
      name: 'r',
      tasks: () => [task(started, changes(true)), task('x', sees(started)), task('y', sees(renamed))],
    };
    const res = await runPlay({ inv, hosts: [hosts[0]!], roles: [r] }, opts, conns, () => {});
    expect(res.results.map((x) => x.message)).toEqual([undefined, 'saw it', 'did not']);
  });
});

describe('runPlay setup failures', () => {
  it('an error before the first task fails that host instead of passing silently', async () => {
    const { conns } = setup();
    const r: Role = {
      name: 'r',
      tasks: (_inv, h) => {
        if (h.name === 'lb2') throw new ToolError('module', 'cannot render');
        return [task('a', changes(false))];
      },
    };
    const res = await runPlay({ inv, hosts, roles: [r] }, opts, conns, () => {});
    expect(res.recap.find((x) => x.host === 'lb2')!.failed).toBe(1);
    expect(res.results.find((x) => x.host === 'lb2')).toMatchObject({ status: 'failed', error: 'cannot render' });
  });
});

describe('prepare and background tasks', () => {
  const one = [hosts[0]!];
  /** A module whose one step waits for `gate` (a transfer in flight), then fails or not. */
  const transfer = (gate: Promise<void>, log: string[], failWith?: string): Module => ({
    facts: () => [],
    plan: () =>
      change([
        {
          kind: 'lazy',
          action: 'transfer',
          resolve: async () => {
            log.push('transfer started');
            await gate;
            log.push('transfer done');
            if (failWith) throw new Error(failWith);
            return [];
          },
        },
      ]),
  });
  const logs = (log: string[], name: string, m: Module = changes(true)): Module => ({
    facts: () => [],
    plan: async (ctx) => (log.push(name), m.plan(ctx)),
  });

  it('every role prepare tasks run first, in role order, then the others', async () => {
    const { conns } = setup();
    const r1: Role = {
      name: 'r1',
      tasks: () => [task('a', changes(true)), task('p1', changes(true), { prepare: true })],
    };
    const r2: Role = {
      name: 'r2',
      tasks: () => [task('p2', changes(false), { prepare: true }), task('b', changes(true))],
    };
    const res = await runPlay({ inv, hosts: one, roles: [r1, r2] }, opts, conns, () => {});
    expect(res.results.map((x) => x.task)).toEqual(['p1', 'p2', 'a', 'b']);
  });

  it('a background task runs beside the next tasks; one naming it waits for it and sees it changed', async () => {
    const { conns } = setup();
    const log: string[] = [];
    let open = () => {};
    const gate = new Promise<void>((r) => (open = r));
    const bg = task('release', transfer(gate, log), { background: true });
    const after: Module = {
      facts: () => [],
      plan: (ctx) => (log.push('switch planned'), ctx.changed.has(bg.key) ? ok('release there') : ok('no release')),
    };
    const r: Role = {
      name: 'r',
      tasks: () => [
        bg,
        task('user', logs(log, 'user', { facts: () => [], plan: () => (open(), ok()) })),
        task('switch', after, { after: [bg.key] }),
      ],
    };
    const events: RunEvent[] = [];
    const res = await runPlay({ inv, hosts: one, roles: [r] }, opts, conns, (e) => events.push(e));
    // the next task is planned before the transfer's first step runs; the switch only after it is done
    expect(log).toEqual(['user', 'transfer started', 'transfer done', 'switch planned']);
    expect(res.results.map((x) => `${x.task}:${x.status}:${x.message ?? ''}`)).toEqual([
      'user:ok:',
      'release:changed:',
      'switch:ok:release there',
    ]);
    // while the switch waits, the host shows the transfer again
    const starts = events.flatMap((e) => (e.kind === 'task-start' ? [e.task] : []));
    expect(starts).toEqual(['release', 'user', 'release', 'switch']);
    expect(res.recap[0]).toMatchObject({ changed: 1, ok: 2, failed: 0 });
  });

  it('a background task that fails stops the host where it is awaited; the waiting task never runs', async () => {
    const handled: string[] = [];
    const { conns } = setup();
    const bg = task('release', transfer(Promise.resolve(), [], 'checksum mismatch'), { background: true });
    const r = role(
      (h) => [bg, task('user', changes(true), { notify: [h] }), task('switch', changes(true), { after: [bg.key] })],
      handled,
    );
    const res = await runPlay({ inv, hosts: one, roles: [r] }, opts, conns, () => {});
    expect(res.results.map((x) => `${x.task}:${x.status}`)).toEqual(['user:changed', 'release:failed']);
    expect(res.results[1]!.error).toContain('checksum mismatch');
    expect(handled).toEqual([]);
    expect(res.recap[0]!.failed).toBe(1);
  });

  it('a failure beside a background task: the host waits for it and reports it, then stops', async () => {
    const { conns } = setup();
    const log: string[] = [];
    let open = () => {};
    const gate = new Promise<void>((r) => (open = r));
    const bg = task('release', transfer(gate, log), { background: true });
    const r: Role = {
      name: 'r',
      tasks: () => [
        bg,
        task('break', {
          facts: () => [],
          plan: () => (setTimeout(open, 20), change([{ kind: 'exec', action: 'break', command: ['false'] }])),
        }),
        task('never', logs(log, 'never')),
      ],
    };
    const res = await runPlay({ inv, hosts: one, roles: [r] }, opts, conns, () => {});
    expect(res.results.map((x) => `${x.task}:${x.status}`)).toEqual(['break:failed', 'release:changed']);
    expect(log).toEqual(['transfer started', 'transfer done']);
  });

  it('check mode runs a background task in line', async () => {
    const { conns } = setup();
    const bg = task('release', changes(true), { background: true });
    const r: Role = {
      name: 'r',
      tasks: () => [bg, task('user', changes(true)), task('switch', changes(false), { after: [bg.key] })],
    };
    const res = await runPlay({ inv, hosts: one, roles: [r] }, { ...opts, check: true }, conns, () => {});
    expect(res.results.map((x) => x.task)).toEqual(['release', 'user', 'switch']);
  });
});
