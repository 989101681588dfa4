// The metrics listener from where Prometheus sits: the control machine scrapes
// http://<host>:9902/stats/prometheus on every LB host and reads it as Prometheus would; every
// admin path that could drain, stop or expose the proxy answers 404 there, and Envoy stays up.
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { parsePrometheusText, select, type Exposition } from '../../support/prom-text.ts';
import { deploy, onHost } from '../support/cli.ts';

const lab = labOrSkip();
const PORT = 9902;
const CLUSTERS = { k8s_cluster1: 2, k8s_cluster2: 1 };

async function scrape(address: string): Promise<Exposition> {
  const r = await fetch(`http://${address}:${PORT}/stats/prometheus`, { signal: AbortSignal.timeout(5000) });
  expect(r.status).toBe(200);
  return parsePrometheusText(await r.text());
}

async function eventually<T>(what: string, fn: () => Promise<T>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > end) throw new Error(`${what}: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

describe.skipIf(!lab)('metrics listener', () => {
  beforeAll(async () => deploy(lab!.inventoryPath));

  it("each host serves Envoy's Prometheus text on its own address, healthy membership per cluster", async () => {
    for (const h of lab!.hosts) {
      const e = await eventually(`${h.name} scrape`, async () => {
        const got = await scrape(h.address);
        for (const [name, healthy] of Object.entries(CLUSTERS)) {
          expect(
            select(got, 'envoy_cluster_membership_healthy', { envoy_cluster_name: name }).map((s) => s.value),
            `${h.name} ${name}`,
          ).toEqual([healthy]);
        }
        return got;
      });
      expect(e.types.get('envoy_cluster_membership_healthy')).toBe('gauge');
      expect(e.types.get('envoy_cluster_upstream_cx_connect_fail')).toBe('counter');
      for (const name of Object.keys(CLUSTERS))
        expect(select(e, 'envoy_cluster_membership_total', { envoy_cluster_name: name })).toHaveLength(1);
      expect(select(e, 'envoy_server_live').map((s) => s.value)).toEqual([1]);
      // bound to the host's address, not every interface
      const listen = await onHost(lab!, h.name, 'ss -ltnH');
      expect(listen).toContain(`${h.address}:${PORT} `);
      expect(listen).not.toMatch(new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${PORT}\\s`));
    }
  });

  it('admin paths and other methods get 404 on the metrics port; Envoy keeps serving', async () => {
    const h = lab!.hosts[0]!;
    const cases: [string, string][] = [
      ['POST', '/quitquitquit'],
      ['POST', '/healthcheck/fail'],
      ['GET', '/config_dump'],
      ['GET', '/stats'],
      ['GET', '/stats?format=json'],
      ['POST', '/stats/prometheus'],
      ['POST', '/drain_listeners'],
      ['GET', '/clusters'],
    ];
    for (const [method, path] of cases) {
      const r = await fetch(`http://${h.address}:${PORT}${path}`, { method, signal: AbortSignal.timeout(5000) });
      expect(r.status, `${method} ${path}`).toBe(404);
      await r.arrayBuffer();
    }
    expect(await onHost(lab!, h.name, 'curl -s 127.0.0.1:10000/ready')).toBe('LIVE\n');
    expect((await onHost(lab!, h.name, 'systemctl is-active envoy-k8s-proxy')).trim()).toBe('active');
    expect((await fetch(`http://${h.address}:${PORT}/stats/prometheus`)).status).toBe(200);
  });
});
