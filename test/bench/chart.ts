// docs/benchmarks.svg from `pnpm run bench --json` output: wall time of each figure against the
// host count, the parallel-ssh floor drawn dashed under them. A pure function of the JSON document.
import { panel, svgDocument, type Series } from '../support/svg-chart.ts';

/** The part of the bench's --json document the chart reads. */
export interface BenchDoc {
  startedAt: string;
  machine: { cpuModel: string; cores: number; loadAvg: number[]; commit: string; otherLabs: string[] };
  options: { repeat: number };
  /** Host counts whose run failed, with why. */
  failed?: { hosts: number; error: string }[];
  runs: {
    hosts: number;
    floor: { medianMs: number };
    figures: { name: string; label: string; median: { wallMs: number } }[];
  }[];
}

const WIDTH = 760;
const HEIGHT = 520;

/** Every figure measured at two host counts or more, in the order the bench ran them, then the floor. */
export function benchSeries(doc: BenchDoc): Series[] {
  const runs = [...doc.runs].sort((a, b) => a.hosts - b.hosts);
  const x = (hosts: number) => Math.log2(hosts);
  const names = [...new Set(runs.flatMap((r) => r.figures.map((f) => f.name)))];
  const series: Series[] = names.map((name) => {
    const label = runs.flatMap((r) => r.figures).find((f) => f.name === name)!.label;
    const points = runs.flatMap((r) => {
      const f = r.figures.find((g) => g.name === name);
      return f ? [[x(r.hosts), f.median.wallMs / 1000] as [number, number]] : [];
    });
    return { name: label, points };
  });
  series.push({
    name: 'ssh floor: `ssh host true` to every host at once',
    points: runs.map((r) => [x(r.hosts), r.floor.medianMs / 1000]),
    dashed: true,
  });
  return series;
}

export function benchChart(doc: BenchDoc): string {
  if (doc.runs.length === 0) throw new Error('the bench document has no runs to chart');
  const hosts = [...new Set(doc.runs.map((r) => r.hosts))].sort((a, b) => a - b);
  const m = doc.machine;
  const notes = [
    `${doc.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${m.cores} cores (${m.cpuModel}), commit ${m.commit.slice(0, 10)}; ` +
      `medians of ${doc.options.repeat}`,
    `load average ${m.loadAvg.join(' / ')} at the start${m.otherLabs.length ? `; other labs up: ${m.otherLabs.length}` : ''}`,
    ...(doc.failed ?? []).map((f) => `not measured at ${f.hosts} host(s): ${f.error.split('\n')[0]!.slice(0, 110)}`),
  ];
  const top = 32 + notes.length * 16;
  const body = panel(
    {
      title: 'Wall time against host count (log scale), every run the real CLI on the lab',
      xLabel: 'LB hosts',
      yLabel: 'wall time, s',
      xTicks: hosts.map((h) => ({ value: Math.log2(h), label: String(h) })),
      series: benchSeries(doc),
    },
    { x: 0, y: top, w: WIDTH, h: HEIGHT },
  );
  return svgDocument(WIDTH, HEIGHT + top, 'envoy-k8s-proxy: pnpm run bench', notes, [body]);
}
