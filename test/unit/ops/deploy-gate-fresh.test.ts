// Which hosts the deploy's gate counts as fresh (served nothing before the run), from the unit's
// `systemctl show` fact as the run gathered it: absent, inactive or failed; anything else serves.
import { describe, expect, it } from 'vitest';
import { deployGate } from '../../../src/ops/deploy-gate.ts';
import { parseUnitShow, unitFact } from '../../../src/facts/system.ts';
import { UNIT_NAME } from '../../../src/render/index.ts';
import { taskKey, type TaskContext } from '../../../src/runner/types.ts';
import { prodInventory } from '../render/fixtures.ts';

const inv = prodInventory();
const gate = deployGate(inv, { releaseSwitched: taskKey('switched'), restarted: taskKey('restarted') });
const key = unitFact(UNIT_NAME).key;

function ctx(show?: string): TaskContext {
  const facts = {
    get<T>(spec: { key: string }): T {
      if (spec.key !== key || show === undefined) throw new Error(`fact ${spec.key} was not gathered`);
      return parseUnitShow(show) as T;
    },
  };
  return { inv, host: inv.hosts[0]!, facts, check: false, diff: false, changed: new Set() } as TaskContext;
}

describe('deploy gate: fresh hosts', () => {
  it.each([
    ['LoadState=not-found\nActiveState=inactive\n', true],
    ['LoadState=loaded\nActiveState=inactive\n', true],
    ['LoadState=loaded\nActiveState=failed\n', true],
    ['LoadState=loaded\nActiveState=active\n', false],
    ['LoadState=loaded\nActiveState=activating\n', false],
    ['LoadState=loaded\nActiveState=reloading\n', false],
  ])('%j → fresh %s', (show, fresh) => {
    expect(gate.fresh!(ctx(show))).toBe(fresh);
  });

  it('a play that did not read the unit treats the host as serving', () => {
    expect(gate.fresh!(ctx())).toBe(false);
  });
});
