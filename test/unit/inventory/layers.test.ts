// Inventory layering: `extends: base.yaml`, mappings merged key by key, clusters and hosts by name;
// every problem names the file its key is written in; render and validate show the merged result.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli.ts';
import { InputError } from '../../../src/errors.ts';
import { loadInventory } from '../../../src/inventory/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'ekp-layers-'));
const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
const load = (name: string) => loadInventory(join(dir, name), { cwd: dir });
const problems = (name: string) =>
  load(name).then(
    () => [],
    (e: unknown) => (e as InputError).problems,
  );

write(
  'base.yaml',
  `# shared by every environment
defaults:
  lbPolicy: LEAST_REQUEST
  connectTimeout: 3s
ssh: {user: ops, become: true}
clusters:
  - name: k8s
    listenPort: 6443
    endpoints: [10.0.0.21:6443, 10.0.0.22:6443]
  - name: k8s_b
    listenPort: 6444
    endpoints: [10.0.1.21:6443]
`,
);
write(
  'staging.yaml',
  `extends: base.yaml
defaults:
  connectTimeout: 1s
clusters:
  - name: k8s_b
    endpoints: [10.9.1.21:6443]
hosts:
  - {name: lb1, address: 10.9.0.11}
`,
);

afterEach(() => vi.restoreAllMocks());

describe('extends', () => {
  it('merges mappings key by key and clusters by name; the extending file wins', async () => {
    const inv = await load('staging.yaml');
    expect(inv.layers).toEqual(['base.yaml', 'staging.yaml']);
    expect(inv.file).toBe('staging.yaml');
    expect(inv.clusters.map((c) => [c.name, c.listenPort, c.endpoints.map((e) => e.host)])).toEqual([
      ['k8s', 6443, ['10.0.0.21', '10.0.0.22']],
      ['k8s_b', 6444, ['10.9.1.21']],
    ]);
    expect(inv.clusters[0]!.lbPolicy).toBe('LEAST_REQUEST');
    expect(inv.clusters[0]!.connectTimeoutMs).toBe(1000);
    expect(inv.hosts[0]!.ssh).toMatchObject({ user: 'ops', become: true });
  });

  it('a problem names the file and line its key is written in', async () => {
    write(
      'bad-base.yaml',
      'defaults:\n  lbPolicy: FASTEST\nclusters:\n  - {name: k8s, listenPort: 6443, endpoints: [10.0.0.21:6443]}\n',
    );
    write('bad-env.yaml', 'extends: bad-base.yaml\nhosts:\n  - {name: lb1, address: "not an address"}\n');
    const p = await problems('bad-env.yaml');
    expect(p).toEqual([
      expect.objectContaining({ file: 'bad-base.yaml', path: 'defaults.lbPolicy', line: 2 }),
      expect.objectContaining({ file: 'bad-env.yaml', path: 'hosts[0].address', line: 3 }),
    ]);
  });

  it('a missing base, a cycle and a non-string are errors at the extends key', async () => {
    write('orphan.yaml', 'extends: nowhere.yaml\nhosts: []\n');
    expect(await problems('orphan.yaml')).toEqual([
      expect.objectContaining({
        file: 'orphan.yaml',
        path: 'extends',
        line: 1,
        message: expect.stringContaining('found none at'),
      }),
    ]);
    write('a.yaml', 'extends: b.yaml\n');
    write('b.yaml', 'extends: a.yaml\n');
    expect((await problems('a.yaml'))[0]).toMatchObject({
      file: 'b.yaml',
      path: 'extends',
      message: expect.stringContaining('extends itself through a.yaml → b.yaml'),
    });
    write('num.yaml', 'extends: 3\n');
    expect((await problems('num.yaml'))[0]).toMatchObject({
      path: 'extends',
      message: expect.stringContaining('expected the path'),
    });
  });

  it('validate names the layers; render writes the merged inventory beside the hosts', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    expect(await main(['validate', '--hosts', join(dir, 'staging.yaml')])).toBe(0);
    expect(log.mock.calls.join('\n')).toContain('merged from');
    const out = join(dir, 'out');
    expect(await main(['render', '--hosts', join(dir, 'staging.yaml'), '--out', out])).toBe(0);
    const merged = readFileSync(join(out, 'staging.merged.yaml'), 'utf8');
    expect(merged).toContain('10.9.1.21');
    expect(merged).toContain('LEAST_REQUEST');
    expect(merged).toContain('user: ops');
  });
});
