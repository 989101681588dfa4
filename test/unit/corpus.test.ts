// Table-driven error messages: every bad/<case>.yaml must fail with exactly the problems listed
// in bad/<case>.expected (one formatted problem per line, in order). Add a case by adding the
// two files; no code change is needed.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError, formatProblem } from '../../../src/errors.ts';
import { parseInventory } from '../../../src/inventory/index.ts';

const dir = fileURLToPath(new URL('./bad/', import.meta.url));
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

/** Formatted problems of one case; the file is named relative to this folder, as in .expected. */
export function problemsOf(name: string): string[] {
  const text = readFileSync(`${dir}${name}.yaml`, 'utf8');
  try {
    parseInventory(text, `bad/${name}.yaml`, { baseDir: '/inventories', home: '/home/ops' });
  } catch (e) {
    if (e instanceof InputError) return e.problems.map(formatProblem);
    throw e;
  }
  return [];
}

describe('inventory errors (bad/*.yaml)', () => {
  it('has cases', () => expect(cases.length).toBeGreaterThan(20));

  it.each(cases)('%s', (name) => {
    const expected = readFileSync(`${dir}${name}.expected`, 'utf8').split('\n').filter((l) => l.trim() !== '');
    expect(problemsOf(name)).toEqual(expected);
  });

  it('reports the problems in the thrown error message too, without a stack', () => {
    const text = readFileSync(`${dir}duplicate-listen-port.yaml`, 'utf8');
    expect(() => parseInventory(text, 'x.yaml')).toThrowError(/^x\.yaml:3:38: clusters\[1\]\.listenPort: port 6443/);
  });
});
