// Plain text tables: columns padded to their widest cell, ANSI colours ignored when measuring.

const ANSI = /\x1b\[[0-9;]*m/g;

export function visibleLength(s: string): number {
  return s.replace(ANSI, '').length;
}

export function formatTable(header: string[], rows: string[][], gap = 2): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleLength(c) + gap)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
