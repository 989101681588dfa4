// Rolling restart: batches, the resume state, option parsing, exit codes and the recap.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { batches } from '../../../src/ops/rolling.ts';
import { clearState, loadState, remaining, saveState, statePath } from '../../../src/ops/rolling-state.ts';
import type { RollingReport } from '../../../src/ops/rolling-run.ts';
import { rollingExitCode } from '../../../src/commands/rolling-restart.ts';
import { serialArg, durationArg } from '../../../src/cli/options.ts';
import { formatRolling } from '../../../src/output/rolling.ts';

const hosts = ['lb1', 'lb2', 'lb3', 'lb4', 'lb5', 'lb6', 'lb7', 'lb8'];

describe('batches', () => {
  it.each([
    [{ kind: 'count', value: 1 }, [1, 1, 1, 1, 1, 1, 1, 1]],
    [{ kind: 'count', value: 3 }, [3, 3, 2]],
    [{ kind: 'percent', value: 25 }, [2, 2, 2, 2]],
    [{ kind: 'percent', value: 10 }, [1, 1, 1, 1, 1, 1, 1, 1]], // never 0 hosts at a time
    [{ kind: 'percent', value: 100 }, [8]],
    // a list: the batches in order, the last size repeated (percent of all the hosts)
    [
      [
        { kind: 'count', value: 1 },
        { kind: 'percent', value: 100 },
      ],
      [1, 7],
    ],
    [
      [
        { kind: 'count', value: 1 },
        { kind: 'count', value: 2 },
      ],
      [1, 2, 2, 2, 1],
    ],
    [
      [
        { kind: 'count', value: 2 },
        { kind: 'percent', value: 50 },
      ],
      [2, 4, 2],
    ],
    [[{ kind: 'count', value: 20 }], [8]],
  ] as const)('%o → sizes %o', (serial, sizes) => {
    const b = batches(hosts, serial);
    expect(b.map((x) => x.length)).toEqual(sizes);
    expect(b.flat()).toEqual(hosts); // order kept
  });
});

describe('resume state', () => {
  const dirP = mkdtemp(join(tmpdir(), 'ekp-rolling-'));
  afterAll(async () => rm(await dirP, { recursive: true, force: true }));

  it('round-trips, lists what remains in inventory order, and clears', async () => {
    const file = statePath('prod', await dirP);
    expect(file).toMatch(/rolling-prod\.json$/);
    expect(await loadState(file)).toBeUndefined();
    await saveState(file, {
      inventory: 'hosts/prod.yaml',
      startedAt: 't',
      updatedAt: '',
      done: ['lb1', 'lb3'],
      failed: { host: 'lb2', reason: 'x' },
    });
    const s = await loadState(file);
    expect(s).toMatchObject({ done: ['lb1', 'lb3'], failed: { host: 'lb2' } });
    expect(
      remaining(
        hosts.slice(0, 4).map((name) => ({ name })),
        s,
      ).map((h) => h.name),
    ).toEqual(['lb2', 'lb4']);
    expect(remaining([{ name: 'lb1' }], undefined)).toHaveLength(1);
    await clearState(file);
    expect(await loadState(file)).toBeUndefined();
  });

  it('two hosts of one batch finishing together: both writes land, none fails', async () => {
    const file = statePath('wide', await dirP);
    const at = (done: string[]) => ({ inventory: 'i', startedAt: 't', updatedAt: '', done });
    await Promise.all([saveState(file, at(['lb1'])), saveState(file, at(['lb1', 'lb2']))]);
    expect((await loadState(file))?.done.length).toBeGreaterThan(0);
    await clearState(file);
  });
});

describe('options', () => {
  it('--serial takes a count, a percentage, or a list of them', () => {
    expect(serialArg('2')).toEqual({ kind: 'count', value: 2 });
    expect(serialArg('25%')).toEqual({ kind: 'percent', value: 25 });
    expect(serialArg('1,100%')).toEqual([
      { kind: 'count', value: 1 },
      { kind: 'percent', value: 100 },
    ]);
    for (const bad of ['0', '-1', '101%', 'two', '1.5', '1,', ',2', '1,0'])
      expect(() => serialArg(bad)).toThrow(/host count/);
  });
  it('durations use the inventory syntax', () => {
    expect(durationArg('1s')).toBe(1000);
    expect(durationArg('1m30s')).toBe(90_000);
    expect(() => durationArg('soon')).toThrow(/duration/);
  });
});

const report = (over: Partial<RollingReport>): RollingReport => ({
  ok: false,
  refused: false,
  hosts: [],
  unreachable: [],
  stateFile: '/c/rolling-lab.json',
  resumable: false,
  ms: 4200,
  ...over,
});

describe('exit code and recap', () => {
  const stopped = report({
    hosts: [
      { host: 'lb1', status: 'restarted', message: 'restarted and healthy in 1.9s' },
      { host: 'lb2', status: 'failed', message: 'unable to restart envoy-k8s-proxy.service: boom' },
      { host: 'lb3', status: 'not-reached', message: 'left untouched' },
    ],
    failed: { host: 'lb2', reason: 'boom' },
    resumable: true,
  });

  // 130 for an interrupted run is the CLI's, for every command (test/unit/cli/interrupt.test.ts)
  it('0 all restarted, 1 a failed gate, 3 only unreachable hosts', () => {
    expect(rollingExitCode(report({ ok: true }))).toBe(0);
    expect(rollingExitCode(stopped)).toBe(1);
    expect(
      rollingExitCode(
        report({ hosts: [{ host: 'lb2', status: 'down-before-start', message: 'timed out' }], unreachable: ['lb2'] }),
      ),
    ).toBe(3);
  });

  it('names the failed host, the untouched ones and how to resume', () => {
    const text = formatRolling(stopped, { color: false });
    expect(text.split('\n')).toEqual([
      'ROLLING RESTART',
      'lb1      restarted         restarted and healthy in 1.9s',
      'lb2      failed            unable to restart envoy-k8s-proxy.service: boom',
      'lb3      not-reached       left untouched',
      'stopped after 4.2s: 1 restarted, 1 failed, 1 left untouched — first failure: lb2',
      'progress kept in /c/rolling-lab.json: fix the cause, then run again with --resume',
    ]);
  });
});
