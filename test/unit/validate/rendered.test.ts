// The strict check of a fleet's render parses and checks each distinct file once: a file another
// host rendered with the same text (after the header that names the host) reuses that check,
// its problems named for each host that has it.
import { describe, expect, it } from 'vitest';
import { renderConfigFiles } from '../../../src/render/index.ts';
import { checkRendered, renderProblems, type CheckMemo } from '../../../src/validate/rendered.ts';
import { cluster, host, inventory } from '../render/fixtures.ts';

const ep = (n: number) => Array.from({ length: n }, (_, i) => ({ host: `10.1.0.${i + 1}`, port: 6443 }));
const hosts = [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12'), host('lb3', '10.0.0.13')];
const inv = inventory({ hosts, clusters: [cluster('one', 6443, ep(2)), cluster('two', 6444, ep(3))] });

describe('the strict check of a fleet', () => {
  it('checks each distinct file once; the result is what each host alone would get', () => {
    const memo: CheckMemo = new Map();
    for (const h of hosts) expect(checkRendered(inv, h, undefined, memo)).toEqual(checkRendered(inv, h));
    const names = renderConfigFiles(inv, hosts[0]!).map((f) => f.name);
    const shared = names.filter((n) => [...memo.keys()].filter((k) => k.startsWith(`${n}\0`)).length === 1);
    // the bootstrap and the listeners name the host (node id, its address); clusters and endpoints do not
    expect(shared.sort()).toEqual(['cds.yaml', 'eds_one.yaml', 'eds_two.yaml']);
    expect(memo.size).toBe(names.length + 2 * (hosts.length - 1));
  });

  it("a shared file's problem is named for every host that renders it, once in the report", () => {
    const memo: CheckMemo = new Map();
    checkRendered(inv, hosts[0]!, undefined, memo);
    const key = [...memo.keys()].find((k) => k.startsWith('cds.yaml\0'))!;
    memo.set(key, { ...memo.get(key)!, problems: [{ file: 'cds.yaml', path: 'resources[0]', message: 'planted' }] });
    expect(checkRendered(inv, hosts[2]!, undefined, memo)).toEqual([
      { file: 'lb3/cds.yaml', path: 'resources[0]', message: 'planted' },
    ]);
    expect(renderProblems(inv, hosts)).toEqual([]);
  });
});
