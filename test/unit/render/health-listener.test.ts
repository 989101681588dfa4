// The health listener: where it binds, the health_check filter it carries (percentages from
// minHealthyEndpoints), the 404 for every other path, and that the strict check accepts it.
import { describe, expect, it } from 'vitest';
import { healthListenerAddress, minHealthyPercent, renderResources } from '../../../src/render/index.ts';
import { checkRendered } from '../../../src/validate/rendered.ts';
import { localInventory } from '../../../src/ops/run-local.ts';
import { cluster, host, inventory } from './fixtures.ts';

type Doc = Record<string, any>;
const ep = (n: number) => Array.from({ length: n }, (_, i) => ({ host: `10.0.0.${i + 1}`, port: 6443 }));
const inv = inventory({ clusters: [cluster('one', 6443, ep(1)), cluster('three', 6444, ep(3))] });
const lb1 = host('lb1', '10.0.0.11');
const listeners = (b: Doc): Doc[] => b.static_resources?.listeners ?? [];
const healthOf = (b: Doc): Doc => listeners(b).find((l) => l.name === 'health')!;
const hcmOf = (l: Doc): Doc => l.filter_chains[0].filters[0].typed_config;

describe('health listener', () => {
  it('binds each host on its own address and port 9903 unless the inventory says otherwise', () => {
    expect(healthListenerAddress(inv, lb1)).toBe('10.0.0.11');
    expect(healthListenerAddress(inv, host('lb2', 'lb2.example.internal'))).toBe('0.0.0.0');
    expect(healthListenerAddress(inv, host('lb2', 'lb2.example.internal', { listenAddress: '10.0.0.12' }))).toBe(
      '10.0.0.12',
    );
    const fixed = { ...inv, healthListener: { enabled: true, port: 8081, address: '::' } };
    expect(healthListenerAddress(fixed, lb1)).toBe('::');
    expect(healthOf(renderResources(inv, lb1).bootstrap).address).toEqual({
      socket_address: { address: '10.0.0.11', port_value: 9903 },
    });
    expect(healthOf(renderResources(fixed, lb1).bootstrap).address).toEqual({
      socket_address: { address: '::', port_value: 8081 },
    });
  });

  it('answers /healthz with the health_check filter, not passing through, before the router', () => {
    const filters = hcmOf(healthOf(renderResources(inv, lb1).bootstrap)).http_filters;
    expect(filters.map((f: Doc) => f.name)).toEqual(['envoy.filters.http.health_check', 'envoy.filters.http.router']);
    expect(filters[0].typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck',
      pass_through_mode: false,
      headers: [{ name: ':path', string_match: { exact: '/healthz' } }],
      cluster_min_healthy_percentages: { one: { value: 100 }, three: { value: 33 } },
    });
  });

  it('routes every other path to a 404', () => {
    const routes = hcmOf(healthOf(renderResources(inv, lb1).bootstrap)).route_config.virtual_hosts[0].routes;
    expect(routes).toHaveLength(1);
    expect(routes[0].match).toEqual({ prefix: '/' });
    expect(routes[0].direct_response.status).toBe(404);
  });

  it('picks the integer percentage that passes exactly at minHealthyEndpoints healthy', () => {
    for (let total = 1; total <= 100; total++) {
      for (const min of [0, 1, 2, 3, 7, total, total + 1]) {
        const pct = minHealthyPercent(min, total);
        const need = Math.min(min, total);
        // Envoy: unhealthy when 100 * healthy < total * pct (health_check.cc, integer percent).
        for (let healthy = 0; healthy <= total; healthy++)
          expect(100 * healthy >= total * pct, `${healthy}/${total} min ${min}`).toBe(healthy >= need);
      }
    }
    expect(minHealthyPercent(1, 0)).toBe(0);
  });

  it('is absent when disabled, and the bootstrap has no static_resources with metrics off too', () => {
    const off = { ...inv, healthListener: { enabled: false, port: 9903 } };
    expect(listeners(renderResources(off, lb1).bootstrap).map((l) => l.name)).toEqual(['metrics']);
    const none = { ...off, metrics: { enabled: false, port: 9902 } };
    expect(renderResources(none, lb1).bootstrap.static_resources).toBeUndefined();
    const onlyHealth = { ...inv, metrics: { enabled: false, port: 9902 } };
    const statics = renderResources(onlyHealth, lb1).bootstrap.static_resources as Doc;
    expect(statics.listeners.map((l: Doc) => l.name)).toEqual(['health']);
    expect(statics.clusters).toBeUndefined();
  });

  it('passes the strict proto check and the cross-file rules; a local run binds loopback', () => {
    expect(checkRendered(inv, lb1)).toEqual([]);
    expect(checkRendered({ ...inv, healthListener: { enabled: true, port: 9903, address: '::' } }, lb1)).toEqual([]);
    expect(localInventory(inv).healthListener.address).toBe('127.0.0.1');
  });
});
