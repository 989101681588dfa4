// status --wide: active (proxied) connections per cluster and per host, from the same /clusters
// answer status already reads (no extra round trip).
import { describe, expect, it } from 'vitest';
import { prodInventory } from '../render/fixtures.ts';
import { parseActiveConnections, parseClusters } from '../../../src/ops/admin.ts';
import { assess, compareFiles, expectedFiles, type Observed } from '../../../src/ops/status.ts';
import { parseUnitShow } from '../../../src/facts/system.ts';
import { formatStatus } from '../../../src/output/status-table.ts';

const inv = prodInventory();
const host = inv.hosts[0]!;
const style = { color: false } as Parameters<typeof formatStatus>[2];

// /clusters as Envoy prints it: per endpoint, its counters and gauges, then its health flags
const [a, b] = inv.clusters;
const CLUSTERS = [
  `${a!.name}::192.168.1.19:6443::cx_active::3`,
  `${a!.name}::192.168.1.19:6443::cx_total::40`,
  `${a!.name}::192.168.1.19:6443::health_flags::healthy`,
  `${a!.name}::192.168.1.20:6443::cx_active::2`,
  `${a!.name}::192.168.1.20:6443::health_flags::healthy`,
  `${b!.name}::192.168.1.21:6443::cx_active::0`,
  `${b!.name}::192.168.1.21:6443::health_flags::healthy`,
  'metrics_admin::127.0.0.1:10000::cx_active::1',
].join('\n');

function observed(over: Partial<Observed> = {}): Observed {
  const expected = expectedFiles(inv, host, 'full');
  return {
    unit: parseUnitShow('LoadState=loaded\nActiveState=active\nSubState=running\nNRestarts=0'),
    binary: inv.envoy.version,
    serverInfo: { status: 200, value: { version: inv.envoy.version, state: 'LIVE', uptimeS: 60 } },
    ready: { status: 200, value: 'LIVE' },
    listeners: { status: 200, value: inv.clusters.map((c) => `listener_${c.name}`) },
    clusters: { status: 200, value: parseClusters(CLUSTERS) },
    connections: { status: 200, value: parseActiveConnections(CLUSTERS) },
    drift: compareFiles(expected, new Map([...expected].map(([p, f]) => [p, f.sha256]))),
    ...over,
  };
}

describe('status --wide', () => {
  it('sums cx_active over each cluster’s endpoints', () => {
    expect(parseActiveConnections(CLUSTERS)).toEqual(
      new Map([
        [a!.name, 5],
        [b!.name, 0],
        ['metrics_admin', 1],
      ]),
    );
  });

  it("per cluster and per host, counting only the inventory's clusters", () => {
    const s = assess(inv, host, observed());
    expect(s.clusters!.map((c) => [c.name, c.activeConnections])).toEqual([
      [a!.name, 5],
      [b!.name, 0],
    ]);
    expect(s.activeConnections).toBe(5);
  });

  it('the wide table adds a CONNS column and the count in each cluster cell; the narrow one does not', () => {
    const row = assess(inv, host, observed());
    const wide = formatStatus([row], [a!.name, b!.name], style, new Date(), { wide: true });
    expect(wide.split('\n')[0]).toMatch(/LISTENERS\s+CONNS\s+k8s_cluster1/);
    expect(wide.split('\n')[1]).toMatch(/2\/2\s+5 conns\s+2\/2 5 conns\s+1\/1 0 conns/);
    const narrow = formatStatus([row], [a!.name, b!.name], style);
    expect(narrow).not.toContain('CONNS');
    expect(narrow).not.toContain('conns');
  });

  it('an admin that did not answer, or gave no cx_active, shows "?", not zero', () => {
    const row = assess(inv, host, observed({ connections: { status: 0, value: null } }));
    expect(row.activeConnections).toBeUndefined();
    expect(formatStatus([row], [a!.name, b!.name], style, new Date(), { wide: true })).toContain('? conns');
    const flagsOnly = parseActiveConnections(`${a!.name}::192.168.1.19:6443::health_flags::healthy`);
    const silent = assess(inv, host, observed({ connections: { status: 200, value: flagsOnly } }));
    expect(silent.clusters![0]!.activeConnections).toBeUndefined();
    expect(silent.activeConnections).toBeUndefined();
  });
});
