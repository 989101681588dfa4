// Gated batches with scripted modules, a scripted gate and fake transports: hosts without changes
// run at once, the others go serial-at-a-time in inventory order (the first is the canary), a
// failed gate rolls that host back and leaves the later batches untouched, --max-fail lets the run
// go on, a failed task is rolled back too, and check mode only describes the batches.
import { describe, expect, it } from 'vitest';
import { Connections } from '../../../src/runner/connections.ts';
import { runPlay } from '../../../src/runner/run.ts';
import { change, ok, task, type Gate, type Module, type RunEvent } from '../../../src/runner/types.ts';
import type { HostSpec, Inventory } from '../../../src/inventory/types.ts';
import { createFakeTransport } from '../../../src/ssh/fake.ts';
import type { FactSpec } from '../../../src/facts/types.ts';

const hosts = ['lb1', 'lb2', 'lb3', 'lb4'].map((name) => ({ name, address: name }) as HostSpec);
const inv = { hosts } as Inventory;
const fact: FactSpec<string> = { key: 'x', script: 'echo x', parse: (o) => o.trim() };
const changesOn = (names: string[], failOn = ''): Module => ({
  facts: () => [fact],
  plan: (ctx) =>
    names.includes(ctx.host.name)
      ? change([{ kind: 'exec', action: 'apply', command: [ctx.host.name === failOn ? 'false' : 'true'] }])
      : ok(),
});

function run(o: {
  changing: string[];
  badGate?: string[];
  failTask?: string;
  /** A task that changes the host before the one that may fail. */
  changeFirst?: boolean;
  maxFail?: number;
  check?: boolean;
  /** Hosts that served nothing before the run. */
  fresh?: string[];
  /** Each gate check takes this long. */
  slowGateMs?: number;
  /** A prepare + background task first (a release beside the current one), changing every host. */
  stage?: boolean;
  /** Hosts where a prepare task before the staged one has something to change. */
  prepChange?: string[];
  /** Hosts where the staged task fails. */
  stageFails?: string[];
}) {
  const log: string[] = [];
  const conns = new Connections(async (h) =>
    createFakeTransport(h.name, (cmd) => {
      if (cmd.includes('@@ekp-fact')) return { stdout: '\n@@ekp-fact 0\nx\n@@ekp-fact-rc 0\n' };
      if (cmd === 'true' || cmd === 'false') log.push(`apply ${h.name}`);
      if (cmd === 'stage' || cmd === 'prep') log.push(`${cmd} ${h.name}`);
      if (cmd === 'stage' && o.stageFails?.includes(h.name)) return { code: 1, stderr: 'checksum mismatch' };
      return { code: cmd === 'false' ? 1 : 0, stderr: cmd === 'false' ? 'it broke' : '' };
    }),
  );
  const gate: Gate = {
    serial: { kind: 'count', value: 2 },
    fresh: (ctx) => !!o.fresh?.includes(ctx.host.name),
    async check(_t, h) {
      log.push(`check ${h.name}`);
      if (o.slowGateMs) await new Promise((r) => setTimeout(r, o.slowGateMs));
      return o.badGate?.includes(h.name) ? { ok: false, reason: 'no healthy endpoint' } : { ok: true, reason: 'fine' };
    },
    async commit(_t, h) {
      log.push(`commit ${h.name}`);
    },
    async rollback(_t, h) {
      log.push(`rollback ${h.name}`);
      return 'previous config files';
    },
  };
  const events: RunEvent[] = [];
  const first = o.changeFirst ? [task('first', changesOn(o.changing))] : [];
  const runs = (command: string, on: (h: string) => boolean): Module => ({
    facts: () => [],
    plan: (ctx) => (on(ctx.host.name) ? change([{ kind: 'exec', action: command, command: [command] }]) : ok()),
  });
  const staged = o.stage
    ? [
        task(
          'prep',
          runs('prep', (h) => !!o.prepChange?.includes(h)),
          { prepare: true },
        ),
        task(
          'stage',
          runs('stage', () => true),
          { prepare: true, background: true },
        ),
      ]
    : [];
  const roles = [{ name: 'r', tasks: () => [...staged, ...first, task('t', changesOn(o.changing, o.failTask))] }];
  const opts = { check: !!o.check, diff: false, forks: 4, maxFailPercent: o.maxFail ?? 0, gate };
  return runPlay({ inv, hosts, roles }, opts, conns, (e) => events.push(e)).then((res) => ({ res, log, events }));
}

describe('gated batches', () => {
  it('runs unchanged hosts at once and changed ones in batches, in inventory order', async () => {
    const { log, events } = await run({ changing: ['lb4', 'lb1', 'lb3'] });
    // lb2 has nothing to change: not gated; lb1 and lb3 are the first batch, lb4 the second
    expect(log.indexOf('apply lb4')).toBeGreaterThan(Math.max(log.indexOf('commit lb1'), log.indexOf('commit lb3')));
    expect(log.filter((l) => l.startsWith('check')).sort()).toEqual(['check lb1', 'check lb3', 'check lb4']);
    const notes = events.flatMap((e) => (e.kind === 'note' ? [e.message] : []));
    expect(notes).toEqual(['batch 1/2 (canary): lb1, lb3', 'batch 2/2: lb4']);
  });

  it("a later batch's background prepare task starts while the first batch is gated", async () => {
    const { res, log } = await run({ changing: ['lb1', 'lb2', 'lb3', 'lb4'], stage: true, slowGateMs: 30 });
    // lb3 and lb4 (batch 2) stage before the canaries' gate; they apply only after it
    for (const h of ['lb3', 'lb4']) {
      expect(log.indexOf(`stage ${h}`)).toBeLessThan(log.indexOf('check lb1'));
      expect(log.indexOf(`apply ${h}`)).toBeGreaterThan(log.indexOf('commit lb1'));
    }
    expect(log.filter((l) => l.startsWith('stage'))).toHaveLength(4);
    const lb4 = res.results.filter((r) => r.host === 'lb4').map((r) => `${r.task}:${r.status}`);
    // reported where the host's tasks wait for it: here, their end
    expect(lb4).toEqual(['prep:ok', 't:changed', 'stage:changed', 'health gate:ok']);
  });

  it('not before its turn when a task before it has something to change there', async () => {
    const { log } = await run({ changing: ['lb1', 'lb2', 'lb3', 'lb4'], stage: true, prepChange: ['lb4'] });
    expect(log.indexOf('stage lb3')).toBeLessThan(log.indexOf('check lb1'));
    expect(log.indexOf('prep lb4')).toBeGreaterThan(log.indexOf('commit lb1'));
    expect(log.indexOf('stage lb4')).toBeGreaterThan(log.indexOf('prep lb4'));
  });

  it("not before the canary's own is done: a canary whose staging fails leaves the later batches unstaged", async () => {
    const { res, log } = await run({ changing: ['lb1', 'lb2', 'lb3', 'lb4'], stage: true, stageFails: ['lb1'] });
    expect(log.filter((l) => l.startsWith('stage'))).toEqual(['stage lb1', 'stage lb2']);
    for (const h of ['lb3', 'lb4'])
      expect(res.results.filter((r) => r.host === h).map((r) => `${r.task}:${r.status}`)).toEqual(['batch:skipped']);
  });

  it('a run stopped by the canary reports what the later batches staged, and applies nothing there', async () => {
    const { res, log } = await run({ changing: ['lb1', 'lb2', 'lb3', 'lb4'], stage: true, badGate: ['lb1'] });
    expect(log).not.toContain('apply lb3');
    const lb3 = res.results.filter((r) => r.host === 'lb3').map((r) => `${r.task}:${r.status}`);
    expect(lb3).toEqual(['stage:changed', 'batch:skipped']);
  });

  it("a host's recap time includes its batch (tasks, handlers, gate), not only its facts and plan", async () => {
    const { res } = await run({ changing: ['lb1', 'lb3'], slowGateMs: 150 });
    const ms = Object.fromEntries(res.recap.map((h) => [h.host, h.ms]));
    expect(ms.lb1).toBeGreaterThanOrEqual(150);
    expect(ms.lb3).toBeGreaterThanOrEqual(150);
  });

  it('a failed gate rolls the host back and leaves the later batches untouched', async () => {
    const { res, log } = await run({ changing: ['lb1', 'lb2', 'lb3', 'lb4'], badGate: ['lb2'] });
    expect(log).not.toContain('apply lb3');
    expect(log).toContain('rollback lb2');
    expect(log).toContain('commit lb1');
    const gate = res.results.filter((r) => r.role === 'gate');
    expect(gate.find((r) => r.host === 'lb2')).toMatchObject({
      task: 'rollback',
      status: 'failed',
      error: 'lb2: gate failed: no healthy endpoint; rolled back: previous config files',
    });
    for (const h of ['lb3', 'lb4']) expect(gate.find((r) => r.host === h)).toMatchObject({ status: 'skipped' });
    expect(res.recap.find((r) => r.host === 'lb2')).toMatchObject({
      failed: 1,
      error: 'lb2: rolled back (no healthy endpoint): previous config files',
    });
  });

  it('within --max-fail the run goes on, each failed host rolled back', async () => {
    const { log } = await run({ changing: ['lb1', 'lb2', 'lb3', 'lb4'], badGate: ['lb1'], maxFail: 50 });
    expect(log).toContain('rollback lb1');
    expect(log).toContain('commit lb4');
  });

  it('a host whose task failed before changing anything has nothing to roll back; the run stops', async () => {
    const { res, log } = await run({ changing: ['lb1', 'lb2', 'lb3'], failTask: 'lb1' });
    expect(log).not.toContain('rollback lb1');
    expect(res.results.filter((r) => r.host === 'lb1' && r.role === 'gate')).toEqual([]);
    expect(res.results.find((r) => r.host === 'lb3')).toMatchObject({ task: 'batch', status: 'skipped' });
  });

  it('a host whose task failed after a change is rolled back too, and the run stops', async () => {
    const { res, log } = await run({ changing: ['lb1', 'lb2', 'lb3'], failTask: 'lb1', changeFirst: true });
    expect(log).toContain('rollback lb1');
    expect(log).not.toContain('check lb1');
    expect(log).not.toContain('apply lb3');
    expect(res.results.find((r) => r.host === 'lb1' && r.role === 'gate')).toMatchObject({ status: 'changed' });
  });

  it('check mode changes nothing and says which hosts would go in which batch', async () => {
    const { log, events } = await run({ changing: ['lb2', 'lb3', 'lb4'], check: true });
    expect(log).toEqual([]);
    const notes = events.flatMap((e) => (e.kind === 'note' ? [e.message] : []));
    expect(notes).toEqual([
      'would roll out to 3 host(s) in 2 gated batch(es):',
      '  batch 1 (canary): lb2 (no restart), lb3 (no restart)',
      '  batch 2: lb4 (no restart)',
    ]);
  });

  it('hosts that served nothing before the run go first, together, then the canary', async () => {
    const { log, events } = await run({ changing: ['lb1', 'lb2', 'lb3', 'lb4'], fresh: ['lb2', 'lb4'] });
    const notes = events.flatMap((e) => (e.kind === 'note' ? [e.message] : []));
    expect(notes).toEqual([
      'batch 1/2 (not serving before the run: together): lb2, lb4',
      'batch 2/2 (canary): lb1, lb3',
    ]);
    // both fresh hosts are applied before either one's gate, and passed it before lb1 is touched
    expect(Math.max(log.indexOf('apply lb2'), log.indexOf('apply lb4'))).toBeLessThan(log.indexOf('check lb2'));
    expect(log.indexOf('apply lb1')).toBeGreaterThan(Math.max(log.indexOf('commit lb2'), log.indexOf('commit lb4')));
  });

  it('a fleet that served nothing converges in one batch; a broken change fails every host, per host', async () => {
    const all = ['lb1', 'lb2', 'lb3', 'lb4'];
    const { res, events } = await run({ changing: all, fresh: all, badGate: all });
    const notes = events.flatMap((e) => (e.kind === 'note' ? [e.message] : []));
    expect(notes).toEqual(['batch 1/1 (not serving before the run: together): lb1, lb2, lb3, lb4']);
    for (const h of all)
      expect(res.results.find((r) => r.host === h && r.role === 'gate')).toMatchObject({
        task: 'rollback',
        status: 'failed',
      });
    expect(res.recap.every((r) => r.failed === 1)).toBe(true);
  });

  it('a failed fresh batch leaves the serving hosts untouched', async () => {
    const { res, log } = await run({ changing: ['lb1', 'lb2', 'lb3'], fresh: ['lb3'], badGate: ['lb3'] });
    expect(log).toContain('rollback lb3');
    expect(log).not.toContain('apply lb1');
    expect(res.results.find((r) => r.host === 'lb1')).toMatchObject({ task: 'batch', status: 'skipped' });
  });

  it('check mode shows the fresh batch', async () => {
    const { events } = await run({ changing: ['lb1', 'lb2', 'lb3'], fresh: ['lb3', 'lb2'], check: true });
    const notes = events.flatMap((e) => (e.kind === 'note' ? [e.message] : []));
    expect(notes).toEqual([
      'would roll out to 3 host(s) in 2 gated batch(es):',
      '  batch 1 (not serving before the run: together): lb2 (no restart), lb3 (no restart)',
      '  batch 2 (canary): lb1 (no restart)',
    ]);
  });
});
