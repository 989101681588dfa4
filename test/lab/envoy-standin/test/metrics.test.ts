// The stand-in serving the tool's own rendered config with its metrics listener: only
// GET /stats/prometheus passes to the admin, in Prometheus' text format with Envoy's names and
// tags; everything else answers 404 there. Loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderConfigFiles } from '../../../../src/render/index.ts';
import { cluster, host, inventory } from '../../../unit/render/fixtures.ts';
import { freePort } from '../../../support/net.ts';
import { parsePrometheusText, select } from '../../../support/prom-text.ts';
import { dashboardExprs, metricNames } from '../../../support/promql-metrics.ts';
import { parse } from 'yaml';
import { PY, SCRIPT, echoServer, exchange, runSync, sleep, type Echo } from './support.ts';

const MONITORING = join(import.meta.dirname, '../../../../monitoring');

/** The documented exceptions: `- \`name\`` lines of monitoring/README.md's list. */
function documented(): Set<string> {
  const text = readFileSync(join(MONITORING, 'README.md'), 'utf8');
  const section = text.slice(text.indexOf('## Metrics used here that the lab'));
  return new Set([...section.matchAll(/^- `([a-zA-Z_:][a-zA-Z0-9_:]*)`/gm)].map((m) => m[1]!));
}

describe('envoy stand-in: the metrics listener', () => {
  let dir: string;
  let envoy: ChildProcess;
  let echo: Echo;
  let ports: { admin: number; metrics: number; k8s: number };
  let stderr = '';
  const metrics = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${ports.metrics}${path}`, init);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'standin-metrics-'));
    echo = await echoServer();
    ports = { admin: await freePort(), metrics: await freePort(), k8s: await freePort() };
    const inv = inventory({
      admin: { address: '127.0.0.1', port: ports.admin },
      metrics: { enabled: true, port: ports.metrics, address: '127.0.0.1' },
      accessLog: { enabled: false, path: '/var/log/envoy-k8s-proxy/access.log' },
      healthListener: { enabled: false, port: 9903 },
      clusters: [
        cluster('k8s_cluster1', ports.k8s, [{ host: '127.0.0.1', port: echo.port }], {
          listenAddress: '127.0.0.1',
          healthCheck: { type: 'tcp', intervalMs: 200, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 1 },
        }),
      ],
    });
    for (const f of renderConfigFiles(inv, host('lb1', '127.0.0.1'), { configDir: dir }))
      writeFileSync(join(dir, f.name), f.content);
    expect(runSync(['--mode', 'validate', '-c', join(dir, 'envoy.yaml')]).code).toBe(0);
    envoy = spawn(
      PY,
      [SCRIPT, '--disable-hot-restart', '-c', join(dir, 'envoy.yaml'), '--concurrency', '1', '--log-level', 'info'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    envoy.stderr!.on('data', (d) => {
      stderr += d.toString();
    });
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const ok = await fetch(`http://127.0.0.1:${ports.admin}/ready`).then(
        (r) => r.status === 200,
        () => false,
      );
      const healthy =
        ok && /health_flags::healthy/.test(await (await fetch(`http://127.0.0.1:${ports.admin}/clusters`)).text());
      if (healthy) break;
      await sleep(100);
    }
  });

  afterAll(async () => {
    envoy?.kill('SIGKILL');
    await echo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes GET /stats/prometheus through to the admin, in Prometheus text format', async () => {
    expect(await exchange(ports.k8s, 'hello')).toBe(`${echo.port}:hello`);
    const r = await metrics('/stats/prometheus');
    expect(r.status, stderr).toBe(200);
    expect(r.headers.get('x-envoy-upstream-service-time')).toMatch(/^\d+$/);
    const e = parsePrometheusText(await r.text());
    const c = { envoy_cluster_name: 'k8s_cluster1' };
    expect(select(e, 'envoy_cluster_membership_healthy', c).map((s) => s.value)).toEqual([1]);
    expect(select(e, 'envoy_cluster_membership_total', c).map((s) => s.value)).toEqual([1]);
    expect(select(e, 'envoy_cluster_upstream_cx_total', c)[0]!.value).toBeGreaterThanOrEqual(1);
    expect(select(e, 'envoy_cluster_upstream_cx_tx_bytes_total', c)[0]!.value).toBe(5);
    expect(e.types.get('envoy_cluster_upstream_cx_connect_fail')).toBe('counter');
    expect(e.types.get('envoy_cluster_upstream_cx_active')).toBe('gauge');
    expect(select(e, 'envoy_cluster_health_check_failure', c)).toHaveLength(1);
    expect(select(e, 'envoy_server_live').map((s) => s.value)).toEqual([1]);
    for (const n of [
      'envoy_listener_manager_lds_update_rejected',
      'envoy_cluster_manager_cds_update_rejected',
      'envoy_cluster_update_rejected',
    ]) {
      expect(e.types.get(n), n).toBe('counter');
    }
    expect(
      select(e, 'envoy_listener_downstream_cx_total', { envoy_listener_address: `127.0.0.1_${ports.k8s}` })[0]!.value,
    ).toBeGreaterThanOrEqual(1);
    expect(select(e, 'envoy_tcp_downstream_cx_total', { envoy_tcp_prefix: 'k8s_cluster1' })).toHaveLength(1);
    // The scrape itself is an HTTP request on the metrics listener, routed to the admin cluster.
    expect(
      select(e, 'envoy_http_downstream_rq_total', { envoy_http_conn_manager_prefix: 'metrics' })[0]!.value,
    ).toBeGreaterThanOrEqual(1);
    expect(select(e, 'envoy_cluster_membership_healthy', { envoy_cluster_name: 'metrics_admin' })).toHaveLength(1);
  });

  it('answers 404 to every other path and method there, while the admin still serves them', async () => {
    for (const [method, path] of [
      ['POST', '/quitquitquit'],
      ['POST', '/healthcheck/fail'],
      ['GET', '/config_dump'],
      ['GET', '/stats'],
      ['POST', '/stats/prometheus'],
      ['HEAD', '/stats/prometheus'],
      ['GET', '/stats/prometheus/'],
      ['GET', '//stats/prometheus'],
      ['GET', '/stats/prometheusx'],
      ['GET', '/'],
    ] as const) {
      const r = await metrics(path, { method });
      expect(r.status, `${method} ${path}`).toBe(404);
    }
    expect((await metrics('/stats/prometheus?usedonly')).status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${ports.admin}/ready`);
    expect(await ready.text()).toBe('LIVE\n');
    expect(envoy.exitCode).toBeNull();
  });

  it('serves every metric monitoring/dashboard.json and alerts.yaml use, or monitoring/README.md lists it', async () => {
    const scraped = new Set(
      parsePrometheusText(await (await metrics('/stats/prometheus')).text()).samples.map((x) => x.name),
    );
    const rules = parse(readFileSync(join(MONITORING, 'alerts.yaml'), 'utf8')) as {
      groups: { rules: { expr: string }[] }[];
    };
    const exprs = [
      ...dashboardExprs(JSON.parse(readFileSync(join(MONITORING, 'dashboard.json'), 'utf8'))),
      ...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)),
    ];
    const used = new Set(exprs.flatMap(metricNames));
    expect(used.size).toBeGreaterThan(10);
    const exceptions = documented();
    expect(exceptions.size).toBeGreaterThan(0);
    const missing = [...used].filter((m) => !scraped.has(m) && !exceptions.has(m));
    expect(missing).toEqual([]);
    // A listed exception the stand-in does serve is no exception: keep the list honest.
    expect([...exceptions].filter((m) => scraped.has(m))).toEqual([]);
  });
});
