// Same inventory in, same bytes out: no clock, no randomness, no dependence on object identity.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderConfigFiles, renderLogrotate, renderResources, renderUnit } from '../../../src/render/index.ts';
import { prodInventory } from './fixtures.ts';

function renderAll() {
  const inv = prodInventory();
  const h = inv.hosts[0]!;
  return [
    ...renderConfigFiles(inv, h),
    renderUnit(inv, h, 'full'),
    renderUnit(inv, h, 'container'),
    renderLogrotate(inv, h),
  ];
}

describe('determinism', () => {
  afterEach(() => vi.restoreAllMocks());

  it('renders byte-identical output twice', () => {
    expect(renderAll()).toEqual(renderAll());
  });

  it('reads neither the clock nor randomness', () => {
    const boom = () => {
      throw new Error('rendering must be pure');
    };
    vi.spyOn(Math, 'random').mockImplementation(boom);
    vi.spyOn(Date, 'now').mockImplementation(boom);
    expect(renderAll()).toHaveLength(8);
  });

  it('renders the same bytes at any wall-clock time', () => {
    vi.useFakeTimers({ now: new Date('2001-01-01T00:00:00Z') });
    const early = renderAll();
    vi.setSystemTime(new Date('2099-01-01T00:00:00Z'));
    const late = renderAll();
    vi.useRealTimers();
    expect(late).toEqual(early);
  });

  it('does not mutate the inventory', () => {
    const inv = prodInventory();
    const before = structuredClone(inv);
    renderConfigFiles(inv, inv.hosts[0]!);
    renderUnit(inv, inv.hosts[0]!, 'full');
    renderLogrotate(inv, inv.hosts[0]!);
    expect(inv).toEqual(before);
  });

  it('returns fresh documents each call (callers may modify them)', () => {
    const inv = prodInventory();
    const a = renderResources(inv, inv.hosts[0]!);
    (a.cds.resources as unknown[]).length = 0;
    expect(renderResources(inv, inv.hosts[0]!).cds.resources).toHaveLength(2);
  });

  it('honours a configDir override for every xDS path, and only that', () => {
    const inv = prodInventory();
    const files = renderConfigFiles(inv, inv.hosts[0]!, { configDir: '/tmp/run-1' });
    const text = files.map((f) => f.content).join('');
    expect(text).not.toContain('/etc/envoy-k8s-proxy');
    expect(text).toContain('path: /tmp/run-1/lds.yaml');
    expect(text).toContain('path: /tmp/run-1/cds.yaml');
    expect(text).toContain('path: /tmp/run-1/eds_k8s_cluster2.yaml');
    expect(text).toContain('path: /var/log/envoy-k8s-proxy/admin.log');
  });
});
