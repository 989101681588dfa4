// Gated batches as data: the hosts that served nothing before the run go first, together; the
// serving ones follow `serial` at a time, the first of their batches being the canary.
import { describe, expect, it } from 'vitest';
import { batchLabel, gatedBatches, type Serial } from '../../../src/runner/batches.ts';

const one: Serial = { kind: 'count', value: 1 };
const plan = (hosts: string[], fresh: string[], serial: Serial = one) =>
  gatedBatches(hosts, serial, (h) => fresh.includes(h)).map((b) => `${b.items.join(',')}${batchLabel(b)}`);

describe('gatedBatches', () => {
  it('without fresh hosts: serial batches, the first one the canary', () => {
    expect(plan(['a', 'b', 'c'], [])).toEqual(['a (canary)', 'b', 'c']);
  });

  it('a fresh fleet converges in one batch, whatever serial says', () => {
    expect(plan(['a', 'b', 'c', 'd'], ['a', 'b', 'c', 'd'])).toEqual([
      'a,b,c,d (not serving before the run: together)',
    ]);
  });

  it('fresh hosts first, in order, then the serving ones with their canary', () => {
    expect(plan(['a', 'b', 'c', 'd', 'e'], ['d', 'b'], { kind: 'count', value: 2 })).toEqual([
      'b,d (not serving before the run: together)',
      'a,c (canary)',
      'e',
    ]);
  });

  it('percent serial counts the serving hosts only', () => {
    expect(plan(['a', 'b', 'c', 'd', 'e', 'f'], ['e', 'f'], { kind: 'percent', value: 50 })).toEqual([
      'e,f (not serving before the run: together)',
      'a,b (canary)',
      'c,d',
    ]);
  });

  it('a serial list: the canary alone, then the rest together', () => {
    const canaryThenAll: Serial = [
      { kind: 'count', value: 1 },
      { kind: 'percent', value: 100 },
    ];
    expect(plan(['a', 'b', 'c', 'd', 'e'], ['e'], canaryThenAll)).toEqual([
      'e (not serving before the run: together)',
      'a (canary)',
      'b,c,d',
    ]);
  });

  it('nothing to roll out: no batch', () => {
    expect(gatedBatches([], one, () => true)).toEqual([]);
  });
});
