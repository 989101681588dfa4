// The dashboard picture: Prometheus text in, the dashboard's series out (sums by host or cluster,
// rates between rounds, the metrics listener's own cluster left out), then SVG.
import { describe, expect, it } from 'vitest';
import { dashboardChart, dashboardPanels, type DashboardRun } from '../../../test/monitoring/dashboard-chart.ts';
import { parsePrometheusText } from '../../../test/monitoring/prom-text.ts';
import { wellFormed } from '../../../test/support/well-formed.ts';

describe('Prometheus text', () => {
  it('samples with labels (escapes too); comments skipped; timestamps ignored', () => {
    const text = [
      '# HELP envoy_cluster_upstream_cx_active Total active connections',
      '# TYPE envoy_cluster_upstream_cx_active gauge',
      'envoy_cluster_upstream_cx_active{envoy_cluster_name="k8s_cluster1"} 3',
      'envoy_x{a="q\\"uote",b="back\\\\slash"} 1.5 1700000000000',
      'envoy_server_live 1',
      'envoy_h_bucket{le="+Inf"} +Inf',
      '',
    ].join('\n');
    expect(parsePrometheusText(text)).toEqual([
      { name: 'envoy_cluster_upstream_cx_active', labels: { envoy_cluster_name: 'k8s_cluster1' }, value: 3 },
      { name: 'envoy_x', labels: { a: 'q"uote', b: 'back\\slash' }, value: 1.5 },
      { name: 'envoy_server_live', labels: {}, value: 1 },
      { name: 'envoy_h_bucket', labels: { le: '+Inf' }, value: Infinity },
    ]);
  });

  it('a line that is no sample is an error naming it', () => {
    expect(() => parsePrometheusText('ok\nnot a sample here')).toThrow('line 1: not a Prometheus sample: ok');
    expect(() => parsePrometheusText('m{a="1",oops} 1')).toThrow('line 1: bad labels');
  });
});

const sample = (host: string, t: number, active: number, fail: number, rx: number, tx: number) =>
  parsePrometheusText(
    ['k8s_cluster1', 'metrics_admin']
      .map((c) =>
        [
          `envoy_cluster_upstream_cx_active{envoy_cluster_name="${c}"} ${active}`,
          `envoy_cluster_membership_healthy{envoy_cluster_name="${c}"} ${t < 2 ? 2 : 1}`,
          `envoy_cluster_upstream_cx_connect_fail{envoy_cluster_name="${c}"} ${fail}`,
          `envoy_cluster_upstream_cx_rx_bytes_total{envoy_cluster_name="${c}"} ${rx}`,
          `envoy_cluster_upstream_cx_tx_bytes_total{envoy_cluster_name="${c}"} ${tx}`,
          `envoy_server_live{host="${host}"} 1`,
        ].join('\n'),
      )
      .join('\n'),
  );

const run: DashboardRun = {
  startedAt: '2026-11-26T07:57:57.000Z',
  loadAvg: { start: [20.98, 19.41, 16.47], end: [19.04, 19.16, 16.57] },
  events: [{ t: 2, label: 'apiserver <16444> stopped' }],
  rounds: [
    { t: 0, hosts: { lb1: sample('lb1', 0, 1, 0, 0, 0), lb2: sample('lb2', 0, 2, 0, 0, 0) } },
    { t: 2, hosts: { lb1: sample('lb1', 2, 5, 4, 2048, 1024), lb2: sample('lb2', 2, 3, 0, 1024, 0) } },
    // lb2's Envoy restarted: its counters start again from zero
    { t: 3, hosts: { lb1: sample('lb1', 3, 4, 5, 3072, 1024), lb2: sample('lb2', 3, 0, 1, 512, 0) } },
  ],
};

describe('dashboard panels', () => {
  const [active, healthy, failures, bytes] = dashboardPanels(run);

  it('active connections: summed per host, without the metrics listener’s admin cluster', () => {
    expect(active!.series).toEqual([
      {
        name: 'lb1',
        points: [
          [0, 1],
          [2, 5],
          [3, 4],
        ],
      },
      {
        name: 'lb2',
        points: [
          [0, 2],
          [2, 3],
          [3, 0],
        ],
      },
    ]);
  });

  it('healthy endpoints per host and cluster', () => {
    expect(healthy!.series.map((s) => [s.name, s.points.map((p) => p[1])])).toEqual([
      ['lb1 k8s_cluster1', [2, 1, 1]],
      ['lb2 k8s_cluster1', [2, 1, 1]],
    ]);
  });

  it('connect failures: a rate between rounds; a counter that went back counts from zero', () => {
    expect(failures!.series).toEqual([
      {
        name: 'lb1 k8s_cluster1',
        points: [
          [2, 2],
          [3, 1],
        ],
      },
      {
        name: 'lb2 k8s_cluster1',
        points: [
          [2, 0],
          [3, 1],
        ],
      },
    ]);
  });

  it('bytes: received and sent summed over hosts per cluster, KiB/s', () => {
    // 0→2 s: lb1 3 KiB + lb2 1 KiB = 4 KiB in 2 s; 2→3 s: lb1 1 KiB + lb2 reset to 0.5 KiB
    expect(bytes!.series).toEqual([
      {
        name: 'k8s_cluster1',
        points: [
          [2, 2],
          [3, 1.5],
        ],
      },
    ]);
  });

  it('renders four panels with the run’s load average and events, as well-formed SVG', () => {
    const svg = dashboardChart(run);
    expect(wellFormed(svg)).toBe(true);
    for (const title of ['Active upstream connections per host', 'Healthy endpoints', 'Upstream connect failures'])
      expect(svg).toContain(title);
    expect(svg).toContain('load average 20.98 / 19.41 / 16.47 at the start, 19.04 / 19.16 / 16.57 at the end');
    expect(svg.match(/apiserver &lt;16444&gt; stopped<\/text>/g)).toHaveLength(5); // the note line, then one marker per panel
  });

  it('needs two rounds at least', () => {
    expect(() => dashboardChart({ ...run, rounds: run.rounds.slice(0, 1) })).toThrow('at least two rounds');
  });
});
