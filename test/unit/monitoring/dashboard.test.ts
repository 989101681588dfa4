// monitoring/dashboard.json: a dashboard Grafana can import (unique panel ids, a layout without
// overlaps, every query on the Prometheus data source variable, filtered by the host and cluster
// variables), showing per host and per cluster what the issue asks for.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dashboardExprs, metricNames } from '../../support/promql-metrics.ts';

const ROOT = join(import.meta.dirname, '../../..');
const dashboard = JSON.parse(readFileSync(join(ROOT, 'monitoring/dashboard.json'), 'utf8'));
const panels: any[] = dashboard.panels;

describe('monitoring/dashboard.json', () => {
  it('has unique panel ids and a grid without overlaps', () => {
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const p of panels) {
      const g = p.gridPos;
      expect(g.x + g.w, p.title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++)
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), `${p.title} overlaps at ${x},${y}`).toBe(false);
          cells.add(`${x},${y}`);
        }
    }
  });

  it('queries the data source variable, filtered by host and cluster', () => {
    for (const p of panels.filter((x) => x.type !== 'row')) {
      expect(p.datasource.uid, p.title).toBe('${datasource}');
      for (const t of p.targets) {
        expect(t.expr, p.title).toContain('instance=~"$instance"');
        if (/envoy_cluster_(?!manager_)/.test(t.expr))
          expect(t.expr, p.title).toContain('envoy_cluster_name=~"$cluster"');
      }
    }
    expect(dashboard.templating.list.map((v: any) => v.name)).toEqual(['datasource', 'instance', 'cluster']);
  });

  it('shows active connections, healthy endpoints, connect failures, bytes and health-check failures', () => {
    const used = new Set(dashboardExprs(dashboard).flatMap(metricNames));
    for (const m of [
      'envoy_listener_downstream_cx_active',
      'envoy_cluster_upstream_cx_active',
      'envoy_cluster_membership_healthy',
      'envoy_cluster_upstream_cx_connect_fail',
      'envoy_cluster_upstream_cx_rx_bytes_total',
      'envoy_cluster_upstream_cx_tx_bytes_total',
      'envoy_cluster_health_check_failure',
    ])
      expect(used, m).toContain(m);
    const byHost = panels.filter((p) => p.targets?.some((t: any) => /by \(instance\)/.test(t.expr))).length;
    const byCluster = panels.filter((p) =>
      p.targets?.some(
        (t: any) => /envoy_cluster_name\)/.test(t.expr) || /\{\{envoy_cluster_name\}\}/.test(t.legendFormat),
      ),
    ).length;
    expect(byHost).toBeGreaterThanOrEqual(3);
    expect(byCluster).toBeGreaterThanOrEqual(4);
  });

  it('the metric-name reader sees through functions, matchers and grouping', () => {
    expect(
      metricNames(
        'sum by (instance, envoy_cluster_name) (rate(a_total{x="b c", y=~"$v"}[$__rate_interval])) / on(instance) group_left b',
      ),
    ).toEqual(['a_total', 'b']);
    expect(() => metricNames('frobnicate(a)')).toThrow(/unknown PromQL function frobnicate/);
  });
});
