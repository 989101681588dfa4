// The metrics listener: where it binds, what it routes, and that the strict check and the
// cross-file rules accept it (and catch a broken one).
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { metricsAddress, renderConfigFiles, renderResources } from '../../../src/render/index.ts';
import { checkRendered } from '../../../src/validate/rendered.ts';
import { validateTree } from '../../../src/validate/index.ts';
import { localInventory } from '../../../src/ops/run-local.ts';
import { cluster, host, inventory } from './fixtures.ts';

type Doc = Record<string, any>;
const inv = inventory({ clusters: [cluster('k8s', 6443, [{ host: '10.0.0.1', port: 6443 }])] });
const lb1 = host('lb1', '10.0.0.11');

const hcmOf = (b: Doc): Doc => b.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;

describe('metrics listener', () => {
  it('binds each host on its own address unless the inventory names one', () => {
    expect(metricsAddress(inv, lb1)).toBe('10.0.0.11');
    expect(metricsAddress(inv, host('lb2', 'lb2.example.internal'))).toBe('0.0.0.0');
    expect(metricsAddress(inv, host('lb2', 'lb2.example.internal', { listenAddress: '10.0.0.12' }))).toBe('10.0.0.12');
    expect(metricsAddress({ ...inv, metrics: { enabled: true, port: 9902, address: '::' } }, lb1)).toBe('::');
    const b = renderResources(inv, lb1).bootstrap as Doc;
    expect(b.static_resources.listeners[0].address).toEqual({
      socket_address: { address: '10.0.0.11', port_value: 9902 },
    });
  });

  it('routes only GET /stats/prometheus to the loopback admin, 404 for the rest', () => {
    const b = renderResources({ ...inv, admin: { address: '127.0.0.2', port: 19000 } }, lb1).bootstrap as Doc;
    const routes = hcmOf(b).route_config.virtual_hosts[0].routes;
    expect(routes).toHaveLength(2);
    expect(routes[0].match).toEqual({
      path: '/stats/prometheus',
      headers: [{ name: ':method', string_match: { exact: 'GET' } }],
    });
    expect(routes[0].route.cluster).toBe('metrics_admin');
    expect(routes[1].match).toEqual({ prefix: '/' });
    expect(routes[1].direct_response.status).toBe(404);
    const admin = b.static_resources.clusters[0];
    expect(admin.name).toBe('metrics_admin');
    expect(admin.load_assignment.endpoints[0].lb_endpoints[0].endpoint.address).toEqual({
      socket_address: { address: '127.0.0.2', port_value: 19000 },
    });
  });

  it('is absent when disabled; lds/cds stay one resource per cluster either way', () => {
    const off = renderResources({ ...inv, metrics: { enabled: false, port: 9902 } }, lb1);
    expect((off.bootstrap.static_resources as Doc).listeners.map((l: Doc) => l.name)).toEqual(['health']);
    const on = renderResources(inv, lb1);
    expect((on.lds.resources as unknown[]).length).toBe(1);
    expect((on.cds.resources as unknown[]).length).toBe(1);
  });

  it('passes the strict proto check and the cross-file rules', () => {
    expect(checkRendered(inv, lb1)).toEqual([]);
    expect(checkRendered({ ...inv, metrics: { enabled: true, port: 9902, address: '::' } }, lb1)).toEqual([]);
  });

  it('a route to an undefined cluster and a bind clash are caught by the cross-file rules', () => {
    const files = renderConfigFiles({ ...inv, metrics: { enabled: true, port: 6443, address: '0.0.0.0' } }, lb1).map(
      (f) => ({ name: f.name, doc: parse(f.content) as Doc }),
    );
    const boot = files.find((f) => f.name === 'envoy.yaml')!.doc;
    hcmOf(boot).route_config.virtual_hosts[0].routes[0].route.cluster = 'admin';
    const messages = validateTree(files, { configDir: inv.paths.configDir }).map(
      (p) => `${p.file}: ${p.path}: ${p.message}`,
    );
    expect(messages).toContain(
      'envoy.yaml: static_resources.listeners[0].filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0].route.cluster: cluster "admin" is not defined in cds.yaml or static_resources',
    );
    expect(messages.some((m) => m.includes('collides with') && m.includes('0.0.0.0:6443'))).toBe(true);
  });

  it('a local run binds loopback unless an address is given', () => {
    expect(localInventory(inv).metrics.address).toBe('127.0.0.1');
    expect(
      localInventory({ ...inv, metrics: { enabled: true, port: 9902, address: '10.1.1.1' } }).metrics.address,
    ).toBe('10.1.1.1');
  });
});
