// init: the starter inventory validates as written (placeholders or the given clusters and hosts),
// bad options write nothing, and an existing file is never overwritten.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.ts';
import { parseInventory } from '../../../src/inventory/index.ts';
import { EXIT } from '../../../src/cli/spec.ts';

let dir: string;
const cwd = process.cwd();
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ekp-init-'));
  process.chdir(dir);
});
afterEach(() => {
  process.chdir(cwd);
  vi.restoreAllMocks();
});

async function cli(...argv: string[]) {
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  const code = await main(argv);
  const out = { code, stdout: log.mock.calls.join('\n'), stderr: err.mock.calls.map((c) => String(c[0])).join('') };
  vi.restoreAllMocks();
  return out;
}

describe('init', () => {
  it('with no options: placeholders, comments, and validate passes on it', async () => {
    expect((await cli('init', '--hosts', 'staging')).code).toBe(EXIT.ok);
    const text = readFileSync(join(dir, 'hosts/staging.yaml'), 'utf8');
    expect(text).toMatch(/^# yaml-language-server: \$schema=.*schema\/inventory\.schema\.json$/m);
    expect(text).toContain('# placeholder: replace');
    const v = await cli('validate', '--hosts', 'staging');
    expect(v.code).toBe(EXIT.ok);
    expect(v.stdout).toContain('hosts/staging.yaml: OK');
    expect(v.stdout).toContain('2 host(s): lb1, lb2');
  });

  it('clusters and hosts from the options, listen ports in order', async () => {
    const r = await cli(
      ...['init', '--hosts', 'envs/prod.yaml', '--cluster', 'a=10.0.0.1:6443,10.0.0.2:6443'],
      ...['--cluster', 'b=[fd00::1]:6443', '--host', 'lb1=10.0.0.11', '--host', 'lb2=lb2.example.internal'],
    );
    expect(r.code).toBe(EXIT.ok);
    const inv = parseInventory(readFileSync(join(dir, 'envs/prod.yaml'), 'utf8'), 'envs/prod.yaml');
    expect(inv.clusters.map((c) => [c.name, c.listenPort, c.endpoints.length])).toEqual([
      ['a', 6443, 2],
      ['b', 6444, 1],
    ]);
    expect(inv.hosts.map((h) => [h.name, h.address])).toEqual([
      ['lb1', '10.0.0.11'],
      ['lb2', 'lb2.example.internal'],
    ]);
    expect(readFileSync(join(dir, 'envs/prod.yaml'), 'utf8')).not.toContain('placeholder');
    expect((await cli('validate', '--hosts', 'envs/prod.yaml')).code).toBe(EXIT.ok);
  });

  it('bad values are reported as options, all at once, and nothing is written', async () => {
    const r = await cli('init', '--hosts', 'x', '--cluster', 'k=api.example:6443', '--host', 'lb 1=10.0.0.1');
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toContain('<command line>: clusters[0].endpoints[0]: expected IP:port');
    expect(r.stderr).toContain('<command line>: hosts[0].name: expected a host name');
    expect(r.stderr).toContain('(hosts/x.yaml was not written)');
    expect(readdirSync(dir)).toEqual([]);
    expect((await cli('init', '--hosts', 'x', '--host', 'lb1')).stderr).toContain('expected name=address');
  });

  it('never overwrites an existing file, and leaves no temp file behind', async () => {
    writeFileSync(join(dir, 'mine.yaml'), 'keep me\n');
    const r = await cli('init', '--hosts', 'mine.yaml');
    expect(r.code).toBe(EXIT.input);
    expect(r.stderr).toContain('mine.yaml: already exists: init never overwrites a file');
    expect(readFileSync(join(dir, 'mine.yaml'), 'utf8')).toBe('keep me\n');
    expect(readdirSync(dir)).toEqual(['mine.yaml']);
  });
});
