// The bench chart: data in, SVG out. Checks what the picture must say (one line per figure, the
// floor dashed beneath, host counts on the x axis, the run's load average) and that it is XML.
import { describe, expect, it } from 'vitest';
import { benchChart, benchSeries, type BenchDoc } from '../../../test/bench/chart.ts';
import { niceScale } from '../../../test/support/svg-chart.ts';
import { wellFormed } from '../../../test/support/well-formed.ts';

const fig = (name: string, label: string, s: number) => ({ name, label, median: { wallMs: s * 1000 } });
const doc: BenchDoc = {
  startedAt: '2026-11-26T07:31:39.000Z',
  machine: { cpuModel: 'Test CPU', cores: 2, loadAvg: [3.22, 1.76, 1.48], commit: 'abcdef0123456789', otherLabs: [] },
  options: { repeat: 1 },
  failed: [{ hosts: 8, error: 'envoy-k8s-proxy deploy: exit 1\n{"ok": false}' }],
  runs: [
    {
      hosts: 4,
      floor: { medianMs: 900 },
      figures: [fig('fresh', 'fresh deploy', 40), fig('noop', 'no-op <deploy>', 8)],
    },
    {
      hosts: 1,
      floor: { medianMs: 300 },
      figures: [fig('fresh', 'fresh deploy', 14), fig('noop', 'no-op <deploy>', 2.5)],
    },
    { hosts: 2, floor: { medianMs: 500 }, figures: [fig('fresh', 'fresh deploy', 22)] },
  ],
};

describe('bench chart', () => {
  it('one series per figure in host order, a figure missing at a count has no point there, the floor last and dashed', () => {
    const s = benchSeries(doc);
    expect(s.map((x) => x.name)).toEqual([
      'fresh deploy',
      'no-op <deploy>',
      'ssh floor: `ssh host true` to every host at once',
    ]);
    expect(s[0]!.points).toEqual([
      [0, 14],
      [1, 22],
      [2, 40],
    ]);
    expect(s[1]!.points).toEqual([
      [0, 2.5],
      [2, 8],
    ]);
    expect(s[2]).toMatchObject({
      dashed: true,
      points: [
        [0, 0.3],
        [1, 0.5],
        [2, 0.9],
      ],
    });
  });

  it('renders an SVG with the host counts, the load average, escaped labels and lines above the floor', () => {
    const svg = benchChart(doc);
    expect(wellFormed(svg)).toBe(true);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const h of ['1', '2', '4']) expect(svg).toMatch(new RegExp(`text-anchor="middle">${h}</text>`));
    expect(svg).toContain('load average 3.22 / 1.76 / 1.48 at the start');
    expect(svg).toContain('not measured at 8 host(s): envoy-k8s-proxy deploy: exit 1</text>');
    expect(svg).toContain('no-op &lt;deploy&gt;');
    const lines = [...svg.matchAll(/<polyline points="([^"]+)"[^>]*?( stroke-dasharray="6 4")?\/>/g)];
    expect(lines.map((l) => Boolean(l[2]))).toEqual([false, false, true]);
    // SVG y grows downwards: at every host count the fresh deploy is drawn above the floor
    const ys = (i: number) => lines[i]![1]!.split(' ').map((p) => Number(p.split(',')[1]));
    ys(0).forEach((y, i) => expect(y).toBeLessThan(ys(2)[i]!));
  });

  it('refuses a document without runs', () => {
    expect(() => benchChart({ ...doc, runs: [] })).toThrow('no runs');
  });
});

describe('niceScale', () => {
  it.each([
    [40, { max: 40, step: 10 }],
    [143.5, { max: 150, step: 50 }],
    [0.9, { max: 1, step: 0.2 }],
    [0, { max: 1, step: 0.2 }],
  ])('%s', (max, expected) => {
    const got = niceScale(max);
    expect(got.max).toBeCloseTo(expected.max);
    expect(got.step).toBeCloseTo(expected.step);
  });
});
