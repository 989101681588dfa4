// Finding and reading inventory files on disk.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.ts';
import { loadInventory, resolveInventoryPath } from '../../../src/inventory/index.ts';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

describe('resolveInventoryPath', () => {
  it.each([
    ['prod', '/work/x/hosts/prod.yaml'],
    ['lab', '/work/x/hosts/lab.yaml'],
    ['hosts/prod.yaml', '/work/x/hosts/prod.yaml'],
    ['./other.yml', '/work/x/other.yml'],
    ['other.yaml', '/work/x/other.yaml'],
    ['../y/inv.yaml', '/work/y/inv.yaml'],
    ['/etc/inv/prod.yaml', '/etc/inv/prod.yaml'],
    ['dir/prod', '/work/x/dir/prod'],
  ])('%s -> %s', (ref, expected) => expect(resolveInventoryPath(ref, '/work/x')).toBe(expected));
});

async function problems(ref: string, cwd: string): Promise<string> {
  try {
    await loadInventory(ref, { cwd });
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  return '(loaded)';
}

describe('loadInventory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ekp-inventory-'));
  mkdirSync(join(dir, 'hosts'));
  mkdirSync(join(dir, 'hosts', 'adir.yaml'));
  writeFileSync(join(dir, 'hosts', 'big.yaml'), `# ${'x'.repeat(1024 * 1024)}\n`);
  writeFileSync(join(dir, 'hosts', 'latin1.yaml'), Buffer.from([0x23, 0x20, 0xe9, 0x0a]));
  writeFileSync(join(dir, 'hosts', 'broken.yaml'), 'clusters: []\nhosts: []\n');

  it('loads the example inventory hosts/prod.yaml', async () => {
    const inv = await loadInventory('prod', { cwd: repo });
    expect(inv.file).toBe('hosts/prod.yaml');
    expect(inv.name).toBe('prod');
    expect(inv.clusters.map((c) => [c.name, c.listenPort, c.endpoints.map((e) => `${e.host}:${e.port}`)])).toEqual([
      ['k8s_cluster1', 6443, ['192.168.1.19:6443', '192.168.1.20:6443']],
      ['k8s_cluster2', 6444, ['192.168.1.21:6443']],
    ]);
    expect(inv.hosts.map((h) => [h.name, h.address])).toEqual([
      ['lb1', '192.168.1.11'],
      ['lb2', '192.168.1.12'],
    ]);
    expect(inv.admin).toEqual({ address: '127.0.0.1', port: 10000 });
    expect(inv.envoy.sha256).toEqual({}); // checksums come from the release lockfile, never invented here
  });

  it('starts hosts/prod.yaml with the schema modeline', () => {
    expect(readFileSync(join(repo, 'hosts/prod.yaml'), 'utf8').split('\n')[0]).toBe(
      '# yaml-language-server: $schema=../schema/inventory.schema.json',
    );
  });

  it.each([
    ['nope', 'hosts/nope.yaml: file not found (looked for DIR/hosts/nope.yaml)'],
    ['hosts/adir.yaml', 'hosts/adir.yaml: not a regular file (DIR/hosts/adir.yaml)'],
    ['big', 'hosts/big.yaml: file is too large (1048579 bytes; an inventory may have at most 1 MiB)'],
    ['latin1', 'hosts/latin1.yaml: not UTF-8 text'],
    [
      'broken',
      'hosts/broken.yaml:1:11: clusters: expected at least one cluster, found an empty list\nhosts/broken.yaml:2:8: hosts: expected at least one host, found an empty list',
    ],
    ['/nonexistent/inv.yaml', '/nonexistent/inv.yaml: file not found (looked for /nonexistent/inv.yaml)'],
  ])('%s', async (ref, expected) => {
    expect(await problems(ref, dir)).toBe(expected.replaceAll('DIR', dir));
  });

  it('names files outside the working directory by their absolute path', async () => {
    expect(await problems(join(dir, 'hosts/broken.yaml'), repo)).toMatch(
      new RegExp(`^${dir}/hosts/broken\\.yaml:1:11: `),
    );
  });
});
