// monitoring/dashboard.svg: the series monitoring/dashboard.json shows (active connections,
// healthy endpoints, connect failures, bytes), computed from real scrapes of each LB host's
// metrics port the way the dashboard's PromQL computes them. A pure function of the scrapes.
import { panel, svgDocument, type PanelSpec, type Series } from '../support/svg-chart.ts';
import type { PromSample } from './prom-text.ts';

/** One round of scrapes: every host's samples at `t` seconds after the first round. */
export interface Round {
  t: number;
  hosts: Record<string, PromSample[]>;
}

export interface DashboardRun {
  startedAt: string;
  /** 1, 5, 15 min load averages at the start and at the end of the run. */
  loadAvg: { start: number[]; end: number[] };
  /** What the run did to the lab, and when (e.g. an apiserver stopped). */
  events: { t: number; label: string }[];
  rounds: Round[];
}

/** The metrics the panels read (a saved run keeps only these). */
export const PANEL_METRICS = [
  'envoy_cluster_upstream_cx_active',
  'envoy_cluster_membership_healthy',
  'envoy_cluster_upstream_cx_connect_fail',
  'envoy_cluster_upstream_cx_rx_bytes_total',
  'envoy_cluster_upstream_cx_tx_bytes_total',
];

// the dashboard leaves out the metrics listener's own route to the admin interface
const ADMIN_CLUSTER = 'metrics_admin';

function values(samples: PromSample[], name: string): PromSample[] {
  return samples.filter((s) => s.name === name && s.labels.envoy_cluster_name !== ADMIN_CLUSTER);
}

const sum = (xs: PromSample[]) => xs.reduce((a, s) => a + s.value, 0);

/** `sum by (key) (metric)` per round, as series named by `key`. */
function gauge(run: DashboardRun, name: string, key: (s: PromSample, host: string) => string): Series[] {
  const by = new Map<string, [number, number][]>();
  for (const r of run.rounds) {
    const groups = new Map<string, number>();
    for (const [host, samples] of Object.entries(r.hosts))
      for (const s of values(samples, name)) groups.set(key(s, host), (groups.get(key(s, host)) ?? 0) + s.value);
    for (const [k, v] of groups) by.set(k, [...(by.get(k) ?? []), [r.t, v]]);
  }
  return [...by].sort(([a], [b]) => a.localeCompare(b)).map(([k, points]) => ({ name: k, points }));
}

/** `sum by (key) (rate(counter))` between consecutive rounds (a counter reset counts from zero). */
function rate(run: DashboardRun, names: string[], key: (s: PromSample, host: string) => string): Series[] {
  const by = new Map<string, [number, number][]>();
  run.rounds.slice(1).forEach((r, i) => {
    const prev = run.rounds[i]!;
    const dt = r.t - prev.t;
    const groups = new Map<string, number>();
    for (const [host, samples] of Object.entries(r.hosts)) {
      const before = prev.hosts[host];
      if (!before) continue;
      for (const name of names)
        for (const s of values(samples, name)) {
          const same = values(before, name).filter((b) => JSON.stringify(b.labels) === JSON.stringify(s.labels));
          const delta = s.value - sum(same);
          const k = key(s, host);
          groups.set(k, (groups.get(k) ?? 0) + (delta < 0 ? s.value : delta) / dt);
        }
    }
    for (const [k, v] of groups) by.set(k, [...(by.get(k) ?? []), [r.t, v]]);
  });
  return [...by].sort(([a], [b]) => a.localeCompare(b)).map(([k, points]) => ({ name: k, points }));
}

const cluster = (s: PromSample) => s.labels.envoy_cluster_name ?? '?';

/** The four panels, each the series of the dashboard panel named in its title. */
export function dashboardPanels(run: DashboardRun): Omit<PanelSpec, 'xTicks' | 'xLabel'>[] {
  return [
    {
      title: 'Active upstream connections per host',
      yLabel: 'connections',
      series: gauge(run, 'envoy_cluster_upstream_cx_active', (_, host) => host),
    },
    {
      title: 'Healthy endpoints (per host and cluster)',
      yLabel: 'endpoints',
      series: gauge(run, 'envoy_cluster_membership_healthy', (s, host) => `${host} ${cluster(s)}`),
    },
    {
      title: 'Upstream connect failures per second',
      yLabel: 'failures/s',
      series: rate(run, ['envoy_cluster_upstream_cx_connect_fail'], (s, host) => `${host} ${cluster(s)}`),
    },
    {
      title: 'Bytes per cluster (received + sent, all hosts)',
      yLabel: 'KiB/s',
      series: rate(run, ['envoy_cluster_upstream_cx_rx_bytes_total', 'envoy_cluster_upstream_cx_tx_bytes_total'], (s) =>
        cluster(s),
      ).map((s) => ({ ...s, points: s.points.map(([t, v]) => [t, v / 1024] as [number, number]) })),
    },
  ];
}

const W = 1000;
const PANEL_H = 330;

export function dashboardChart(run: DashboardRun): string {
  if (run.rounds.length < 2) throw new Error('the dashboard picture needs at least two rounds of scrapes');
  const end = run.rounds.at(-1)!.t;
  const xTicks = Array.from({ length: Math.floor(end / 10) + 1 }, (_, i) => ({ value: i * 10, label: `${i * 10}` }));
  if (xTicks.at(-1)!.value < end) xTicks.push({ value: end, label: `${Math.round(end)}` });
  const hosts = Object.keys(run.rounds[0]!.hosts).length;
  const notes = [
    `${run.startedAt.slice(0, 19).replace('T', ' ')} UTC: ${hosts} lab hosts scraped every second for ${Math.round(end)} s ` +
      `(GET /stats/prometheus on each host's metrics port) while TLS traffic went through them`,
    `load average ${run.loadAvg.start.join(' / ')} at the start, ${run.loadAvg.end.join(' / ')} at the end; ` +
      run.events.map((e) => `${Math.round(e.t)} s: ${e.label}`).join('; '),
  ];
  const top = 32 + notes.length * 16;
  const markers = run.events.map((e) => ({ x: e.t, label: e.label }));
  const body = dashboardPanels(run).map((p, i) =>
    panel(
      { ...p, xTicks, xLabel: 'seconds', markers },
      { x: (i % 2) * (W / 2), y: top + Math.floor(i / 2) * PANEL_H, w: W / 2, h: PANEL_H },
    ),
  );
  return svgDocument(W, top + 2 * PANEL_H, 'envoy-k8s-proxy: the dashboard panels, from a lab scrape', notes, body);
}
