// Property-style checks over many inventory shapes: every combination must render, parse back,
// and repeat none of the six defects; specific options must show up where Envoy reads them.

import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { ClusterSpec, Inventory, LbPolicy } from '../../../src/inventory/types.ts';
import { renderConfigFiles, renderLogrotate, renderResources, renderUnit } from '../../../src/render/index.ts';
import { assertNoDefects, parseFiles } from './defects.ts';
import { cluster, host, inventory } from './fixtures.ts';

type Doc = Record<string, any>;

const policies: LbPolicy[] = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'];
const checks = [
  { type: 'readyz' as const },
  { type: 'readyz' as const, sni: 'kubernetes.default.svc' },
  { type: 'tcp' as const },
];
const outliers = [true, false];
const accessLogs = [true, false];
const endpointSets = [
  [{ host: '10.0.0.1', port: 6443 }],
  [
    { host: '2001:db8::10', port: 6443 },
    { host: '2001:db8::11', port: 6443 },
  ],
];

interface Case {
  label: string;
  inv: Inventory;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const lbPolicy of policies)
    for (const hc of checks)
      for (const enabled of outliers)
        for (const log of accessLogs)
          for (const eps of endpointSets) {
            const c = cluster('api', 6443, eps, { lbPolicy, healthCheck: hc, outlierDetection: { enabled } });
            const inv = inventory({
              clusters: [c, cluster('api_b', 7443, [{ host: '10.0.1.1', port: 443 }], { idleTimeoutMs: 3_600_250 })],
              hosts: [host('lb1', '10.0.0.100')],
              accessLog: { enabled: log, path: '/var/log/envoy-k8s-proxy/access.log' },
            });
            out.push({
              label: `${lbPolicy} ${hc.type}${hc.sni ? '+sni' : ''} outlier=${enabled} log=${log} ${eps[0]!.host}`,
              inv,
            });
          }
  return out;
}

function render(inv: Inventory) {
  const h = inv.hosts[0]!;
  const files = renderConfigFiles(inv, h);
  return { files, docs: parseFiles(files), unit: renderUnit(inv, h, 'full').content };
}

const apiCluster = (docs: Map<string, Doc>) =>
  (docs.get('cds.yaml')!.resources as Doc[]).find((c) => c.name === 'api')!;

describe('every inventory shape', () => {
  it.each(cases().map((c) => [c.label, c.inv] as const))('%s', (_label, inv) => {
    const { files, docs } = render(inv);
    assertNoDefects(files);
    const spec = inv.clusters[0]!;
    const cds = apiCluster(docs);
    expect(cds.lb_policy).toBe(spec.lbPolicy);
    const hc = cds.health_checks[0];
    if (spec.healthCheck.type === 'tcp') {
      expect(hc.tcp_health_check).toEqual({});
      expect(cds).not.toHaveProperty('transport_socket_matches');
      expect(hc).not.toHaveProperty('transport_socket_match_criteria');
    } else {
      expect(hc.http_health_check.path).toBe('/readyz');
      const tls = cds.transport_socket_matches[0].transport_socket.typed_config;
      expect(tls.sni).toBe(spec.healthCheck.sni);
      expect(hc.http_health_check.host).toBe(spec.healthCheck.sni);
    }
    expect('outlier_detection' in cds).toBe(spec.outlierDetection.enabled);
    const proxy = docs.get('lds.yaml')!.resources[0].filter_chains[0].filters[0].typed_config;
    expect('access_log' in proxy).toBe(inv.accessLog.enabled);
    const eds = docs.get('eds_api.yaml')!.resources[0];
    expect(eds.endpoints[0].lb_endpoints.map((e: Doc) => e.endpoint.address.socket_address)).toEqual(
      spec.endpoints.map((e) => ({ address: e.host, port_value: e.port })),
    );
  });
});

describe('specific options', () => {
  const base = () =>
    inventory({
      clusters: [cluster('api', 6443, [{ host: '10.0.0.1', port: 6443 }])],
      hosts: [host('lb1', '10.0.0.100')],
    });

  it('renders durations as protobuf Duration strings', () => {
    const inv = base();
    const c: ClusterSpec = { ...inv.clusters[0]!, connectTimeoutMs: 250, idleTimeoutMs: 3_600_000 };
    c.healthCheck = { ...c.healthCheck, intervalMs: 1500, timeoutMs: 1000 };
    const { docs } = render({ ...inv, clusters: [c] });
    const cds = apiCluster(docs);
    expect(cds.connect_timeout).toBe('0.250s');
    expect(cds.health_checks[0].interval).toBe('1.500s');
    expect(cds.health_checks[0].no_traffic_interval).toBe('1.500s');
    expect(cds.health_checks[0].timeout).toBe('1s');
    expect(docs.get('lds.yaml')!.resources[0].filter_chains[0].filters[0].typed_config.idle_timeout).toBe('3600s');
  });

  it('disables the tcp_proxy idle timeout with "0s" by default', () => {
    const { docs } = render(base());
    expect(docs.get('lds.yaml')!.resources[0].filter_chains[0].filters[0].typed_config.idle_timeout).toBe('0s');
  });

  it('lets the host listenAddress override every cluster', () => {
    const inv = base();
    inv.clusters.push(cluster('api2', 7443, [{ host: '10.0.0.2', port: 6443 }], { listenAddress: '10.9.9.9' }));
    const h = host('lb1', '10.0.0.100', { listenAddress: '10.0.0.100' });
    const lds = renderResources(inv, h).lds.resources as Doc[];
    // the cluster listeners, then the health listener on the host's own address
    expect(lds.map((l) => l.address.socket_address.address)).toEqual(['10.0.0.100', '10.0.0.100', '10.0.0.100']);
    const lds2 = renderResources(inv, host('lb2', '10.0.0.101')).lds.resources as Doc[];
    expect(lds2.map((l) => l.address.socket_address.address)).toEqual(['0.0.0.0', '10.9.9.9', '10.0.0.101']);
  });

  it('listens dual-stack on "::" and v6-only on a specific IPv6 address', () => {
    const inv = base();
    inv.clusters.push(cluster('api6', 7443, [{ host: '::1', port: 6443 }], { listenAddress: '2001:db8::1' }));
    inv.clusters[0]!.listenAddress = '::';
    const { files, docs } = render(inv);
    const [any, specific] = docs.get('lds.yaml')!.resources as Doc[];
    expect(any!.address.socket_address).toEqual({ address: '::', port_value: 6443, ipv4_compat: true });
    expect(specific!.address.socket_address).toEqual({ address: '2001:db8::1', port_value: 7443 });
    expect(
      docs.get('eds_api6.yaml')!.resources[0].endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address,
    ).toBe('::1');
    assertNoDefects(files);
  });

  it('refuses DNS names as EDS endpoints, naming host, cluster and endpoint', () => {
    const inv = base();
    inv.clusters[0]!.endpoints.push({ host: 'cp1.example.com', port: 6443 });
    expect(() => renderConfigFiles(inv, inv.hosts[0]!)).toThrow(
      /^lb1: cluster api: endpoint cp1\.example\.com:6443 is not an IP address.*DNS/,
    );
  });

  it('renders a cluster with no endpoints as an empty assignment', () => {
    const inv = base();
    inv.clusters[0]!.endpoints = [];
    expect(renderResources(inv, inv.hosts[0]!).eds.api).toMatchObject({
      resources: [{ cluster_name: 'api', endpoints: [] }],
    });
  });

  it('maps circuit breaker, keepalive and outlier settings', () => {
    const inv = base();
    const c = cluster('api', 6443, [{ host: '10.0.0.1', port: 6443 }], {
      maxConnections: 500,
      tcpKeepalive: { probes: 4, timeSec: 60, intervalSec: 5 },
      outlierDetection: {
        consecutiveLocalOriginFailure: 2,
        intervalMs: 1000,
        baseEjectionTimeMs: 15000,
        maxEjectionPercent: 100,
      },
    });
    const cds = apiCluster(render({ ...inv, clusters: [c] }).docs);
    expect(cds.circuit_breakers.thresholds).toEqual([
      { priority: 'DEFAULT', max_connections: 500, max_pending_requests: 500 },
    ]);
    expect(cds.upstream_connection_options.tcp_keepalive).toEqual({
      keepalive_probes: 4,
      keepalive_time: 60,
      keepalive_interval: 5,
    });
    expect(cds.outlier_detection).toMatchObject({
      interval: '1s',
      base_ejection_time: '15s',
      max_ejection_percent: 100,
      consecutive_local_origin_failure: 2,
      enforcing_consecutive_local_origin_failure: 100,
      enforcing_consecutive_5xx: 0,
    });
  });

  it('quotes values Envoy would read as booleans or numbers', () => {
    const inv = base();
    inv.clusters = [
      cluster('on', 6443, [{ host: '10.0.0.1', port: 6443 }]),
      cluster('0123', 6444, [{ host: '10.0.0.1', port: 6443 }]),
    ];
    inv.name = 'yes';
    const { files } = render(inv);
    const cds = files.find((f) => f.name === 'cds.yaml')!.content;
    expect(cds).toMatch(/name: "on"\n/);
    expect(cds).toMatch(/name: "0123"\n/);
    expect(files.map((f) => f.name)).toContain('eds_on.yaml');
    expect(parse(cds).resources.map((c: Doc) => c.name)).toEqual(['on', '0123']);
  });

  it('starts every file with the provenance header and no timestamp', () => {
    const h = base().hosts[0]!;
    for (const f of [
      ...renderConfigFiles(base(), h),
      renderUnit(base(), h, 'full'),
      renderUnit(base(), h, 'container'),
      renderLogrotate(base(), h),
    ]) {
      expect(f.content.split('\n')[0]).toBe(
        '# Rendered by envoy-k8s-proxy for lb1: do not edit, the next deploy overwrites it',
      );
      expect(f.content).not.toMatch(/\d{4}-\d{2}-\d{2}/);
    }
  });
});
