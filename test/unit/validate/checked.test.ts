// Renders the strict check accepted before are remembered under the code that accepted them: a
// remembered host is not checked again (the protos are not even loaded), a changed render or
// changed code is, and only passes are remembered.
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigFiles } from '../../../src/render/index.ts';
import { checkedKey, codeIdentity, rememberChecked, wasChecked } from '../../../src/validate/checked.ts';
import { protosLoaded } from '../../../src/validate/protos.ts';
import { renderProblems } from '../../../src/validate/rendered.ts';
import { cluster, host, inventory } from '../render/fixtures.ts';

const ep = (n: number) => Array.from({ length: n }, (_, i) => ({ host: `10.1.0.${i + 1}`, port: 6443 }));
const hosts = [host('lb1', '10.0.0.11'), host('lb2', '10.0.0.12'), host('lb3', '10.0.0.13')];
const inv = inventory({ hosts, clusters: [cluster('one', 6443, ep(2))] });

describe('remembered checks', () => {
  it('a host whose render was accepted before is not checked: the protos are never loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekp-checked-'));
    for (const h of hosts) rememberChecked(checkedKey(renderConfigFiles(inv, h)), dir);
    expect(renderProblems(inv, hosts, { rememberIn: dir })).toEqual([]);
    expect(protosLoaded()).toBe(false);
    // one host's render changes (another endpoint): that host alone is checked, then remembered too
    const more = inventory({ hosts, clusters: [cluster('one', 6443, ep(3))] });
    expect(renderProblems(more, hosts.slice(0, 1), { rememberIn: dir })).toEqual([]);
    expect(protosLoaded()).toBe(true);
    expect(readdirSync(join(dir, 'checked'))).toHaveLength(4);
    expect(wasChecked(checkedKey(renderConfigFiles(more, hosts[0]!)), dir)).toBe(true);
  });

  it('without a directory nothing is read or written; a cache that cannot be written only means the check runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekp-checked-'));
    expect(renderProblems(inv, hosts)).toEqual([]);
    expect(() => readdirSync(join(dir, 'checked'))).toThrow();
    expect(renderProblems(inv, hosts, { rememberIn: dir })).toEqual([]);
    expect(readdirSync(join(dir, 'checked'))).toHaveLength(3);
    // an unwritable cache only means the check runs
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, '');
    expect(renderProblems(inv, hosts, { rememberIn: file })).toEqual([]);
  });

  it("the code's identity: the bundle alone, or every source file; any file's change is another identity", () => {
    const root = mkdtempSync(join(tmpdir(), 'ekp-code-'));
    mkdirSync(join(root, 'src', 'validate'), { recursive: true });
    mkdirSync(join(root, 'src', 'render'));
    mkdirSync(join(root, 'dist'));
    for (const f of ['src/validate/checked.ts', 'src/validate/documents.ts', 'src/render/yaml.ts', 'dist/cli.mjs'])
      writeFileSync(join(root, f), f);
    const sources = codeIdentity(join(root, 'src', 'validate', 'checked.ts'));
    const bundle = codeIdentity(join(root, 'dist', 'cli.mjs'));
    expect(sources).not.toBe(bundle);
    utimesSync(join(root, 'src', 'render', 'yaml.ts'), new Date(), new Date(Date.now() + 5000));
    expect(codeIdentity(join(root, 'src', 'validate', 'checked.ts'))).not.toBe(sources);
    expect(codeIdentity(join(root, 'dist', 'cli.mjs'))).toBe(bundle);
    writeFileSync(join(root, 'dist', 'cli.mjs'), 'rebuilt');
    expect(codeIdentity(join(root, 'dist', 'cli.mjs'))).not.toBe(bundle);
    // the key: the same files under other code, or other files under this code, are other keys
    const files = renderConfigFiles(inv, hosts[0]!);
    expect(checkedKey(files, sources)).not.toBe(checkedKey(files, bundle));
    expect(checkedKey(files, sources)).not.toBe(checkedKey(renderConfigFiles(inv, hosts[1]!), sources));
  });
});
