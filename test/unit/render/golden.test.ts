// The production-shaped inventory rendered to files, compared byte for byte with reviewed
// copies under golden/. Regenerate with UPDATE_GOLDEN=1 and review the diff by hand.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigFiles, renderLogrotate, renderUnit } from '../../../src/render/index.ts';
import { assertNoDefects } from './defects.ts';
import { prodInventory } from './fixtures.ts';

const dir = join(import.meta.dirname, 'golden', 'prod-lb1');
const update = process.env.UPDATE_GOLDEN === '1';

describe('golden files: prod / lb1', () => {
  const inv = prodInventory();
  const lb1 = inv.hosts[0]!;
  // what `render` writes offline (hardening auto: the full sandbox), the container variant, logrotate
  const container = { ...renderUnit(inv, lb1, 'container'), name: 'envoy-k8s-proxy.container.service' };
  const files = [...renderConfigFiles(inv, lb1), renderUnit(inv, lb1, 'full'), container, renderLogrotate(inv, lb1)];
  if (update) mkdirSync(dir, { recursive: true });

  it('renders the expected file set in a stable order', () => {
    expect(files.map((f) => [f.name, f.mode])).toEqual([
      ['envoy.yaml', 0o640],
      ['lds.yaml', 0o640],
      ['cds.yaml', 0o640],
      ['eds_k8s_cluster1.yaml', 0o640],
      ['eds_k8s_cluster2.yaml', 0o640],
      ['envoy-k8s-proxy.service', 0o644],
      ['envoy-k8s-proxy.container.service', 0o644],
      ['envoy-k8s-proxy', 0o644],
    ]);
  });

  for (const file of files) {
    it(`${file.name} matches golden/prod-lb1/${file.name}`, () => {
      const path = join(dir, file.name);
      if (update) writeFileSync(path, file.content);
      expect(file.content).toBe(readFileSync(path, 'utf8'));
    });
  }

  it('repeats none of the original defects', () => {
    assertNoDefects(files);
  });
});
