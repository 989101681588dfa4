// Line charts as plain SVG text, for the figures committed under docs/ and monitoring/: pure
// functions of the data (no DOM, no chart library), so the same data always gives the same file.

export interface Series {
  name: string;
  points: [x: number, y: number][];
  /** Drawn dashed, for a reference line such as the ssh floor. */
  dashed?: boolean;
}

export interface PanelSpec {
  title: string;
  yLabel: string;
  xLabel: string;
  series: Series[];
  /** Where the x axis is labelled; its range is theirs (first to last). */
  xTicks: { value: number; label: string }[];
  yFormat?: (v: number) => string;
  /** Vertical lines at these x values, labelled at the top (events during a run). */
  markers?: { x: number; label: string }[];
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
const FONT = 'font-family="sans-serif"';

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const num = (v: number) => String(Math.round(v * 10) / 10);

/** A round axis maximum and its step (1, 2 or 5 times a power of ten), about `count` steps. */
export function niceScale(max: number, count = 5): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.2 };
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw)!;
  return { max: Math.ceil(max / step - 1e-9) * step, step };
}

/** One chart (title, axes, grid, a line and dots per series, legend under it) inside `box`. */
export function panel(spec: PanelSpec, box: Box): string {
  const fmt = spec.yFormat ?? ((v: number) => num(v));
  const legendRows = Math.ceil(spec.series.length / 2);
  const plot = { x: box.x + 56, y: box.y + 28, w: box.w - 72, h: box.h - 28 - 40 - legendRows * 16 };
  const xs = spec.xTicks.map((t) => t.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const ys = spec.series.flatMap((s) => s.points.map((p) => p[1]));
  const { max, step } = niceScale(Math.max(0, ...ys));
  const px = (x: number) => plot.x + (x1 === x0 ? plot.w / 2 : ((x - x0) / (x1 - x0)) * plot.w);
  const py = (y: number) => plot.y + plot.h - (y / max) * plot.h;
  const out: string[] = [
    `<g>`,
    `<text x="${box.x + 8}" y="${box.y + 16}" ${FONT} font-size="13" font-weight="bold">${escapeXml(spec.title)}</text>`,
  ];
  for (let v = 0; v <= max + 1e-9; v += step) {
    out.push(
      `<line x1="${num(plot.x)}" y1="${num(py(v))}" x2="${num(plot.x + plot.w)}" y2="${num(py(v))}" stroke="#e0e0e0"/>`,
      `<text x="${num(plot.x - 6)}" y="${num(py(v) + 4)}" ${FONT} font-size="10" text-anchor="end">${escapeXml(fmt(v))}</text>`,
    );
  }
  for (const t of spec.xTicks) {
    out.push(
      `<line x1="${num(px(t.value))}" y1="${num(plot.y + plot.h)}" x2="${num(px(t.value))}" y2="${num(plot.y + plot.h + 4)}" stroke="#444"/>`,
      `<text x="${num(px(t.value))}" y="${num(plot.y + plot.h + 15)}" ${FONT} font-size="10" text-anchor="middle">${escapeXml(t.label)}</text>`,
    );
  }
  out.push(
    `<rect x="${num(plot.x)}" y="${num(plot.y)}" width="${num(plot.w)}" height="${num(plot.h)}" fill="none" stroke="#444"/>`,
    `<text x="${num(plot.x + plot.w / 2)}" y="${num(plot.y + plot.h + 29)}" ${FONT} font-size="10" text-anchor="middle">${escapeXml(spec.xLabel)}</text>`,
    `<text transform="translate(${num(box.x + 12)} ${num(plot.y + plot.h / 2)}) rotate(-90)" ${FONT} font-size="10" text-anchor="middle">${escapeXml(spec.yLabel)}</text>`,
  );
  for (const [i, m] of (spec.markers ?? []).entries()) {
    out.push(
      `<line x1="${num(px(m.x))}" y1="${num(plot.y)}" x2="${num(px(m.x))}" y2="${num(plot.y + plot.h)}" stroke="#888" stroke-dasharray="2 3"/>`,
      `<text x="${num(px(m.x) + 3)}" y="${num(plot.y + 11 + (i % 2) * 11)}" ${FONT} font-size="9" fill="#666">${escapeXml(m.label)}</text>`,
    );
  }
  spec.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const pts = s.points.map(([x, y]) => `${num(px(x))},${num(py(y))}`).join(' ');
    if (s.points.length > 1)
      out.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (s.points.length <= 12)
      for (const [x, y] of s.points)
        out.push(
          `<circle cx="${num(px(x))}" cy="${num(py(y))}" r="3" fill="${color}"><title>${escapeXml(`${s.name}: ${fmt(y)}`)}</title></circle>`,
        );
    const lx = box.x + 56 + (i % 2) * ((box.w - 72) / 2);
    const ly = plot.y + plot.h + 44 + Math.floor(i / 2) * 16;
    out.push(
      `<line x1="${num(lx)}" y1="${num(ly - 4)}" x2="${num(lx + 18)}" y2="${num(ly - 4)}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${num(lx + 24)}" y="${num(ly)}" ${FONT} font-size="10">${escapeXml(s.name)}</text>`,
    );
  });
  out.push('</g>');
  return out.join('\n');
}

/** A whole SVG file: a title, note lines under it (16 px each, from y 40), then the body (panels). */
export function svgDocument(width: number, height: number, title: string, notes: string[], body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" ${FONT} font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...notes.map((n, i) => `<text x="12" y="${40 + i * 16}" ${FONT} font-size="11" fill="#555">${escapeXml(n)}</text>`),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
