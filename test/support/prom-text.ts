// A strict reader of Prometheus' text exposition format (version 0.0.4), for tests that scrape
// /stats/prometheus: it refuses what Prometheus' own parser refuses (bad names, bad escapes, a
// second TYPE line for a family, a family split in two, a series twice), so a scrape that parses
// here is one Prometheus would ingest.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** Family name → counter | gauge | histogram | summary | untyped. */
  types: Map<string, string>;
}

const METRIC = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** The family a sample belongs to (histogram samples carry _bucket/_sum/_count). */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    const base = name.slice(0, -suffix.length);
    if (name.endsWith(suffix) && ['histogram', 'summary'].includes(types.get(base) ?? '')) return base;
  }
  return name;
}

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

function parseLabels(text: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw new Error(`${where}: bad label set "{${text}}"`);
    const name = text.slice(i, eq).trim();
    if (!LABEL.test(name)) throw new Error(`${where}: bad label name "${name}"`);
    if (name in labels) throw new Error(`${where}: label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`${where}: label ${name} value not quoted`);
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] !== '\\') {
        value += text[j];
        continue;
      }
      const next = text[++j];
      if (next === 'n') value += '\n';
      else if (next === '\\' || next === '"') value += next;
      else throw new Error(`${where}: bad escape \\${next ?? ''} in label ${name}`);
    }
    if (j >= text.length) throw new Error(`${where}: unterminated value of label ${name}`);
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`${where}: expected "," after label ${name}`);
  }
  return labels;
}

export function parsePrometheusText(body: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: string | undefined;
  body.split('\n').forEach((line, n) => {
    const where = `line ${n + 1}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(TYPE|HELP)\s+(\S+)\s*(.*)$/.exec(line);
      if (!m || m[1] !== 'TYPE') return;
      const [, , name, type] = m;
      if (!METRIC.test(name!)) throw new Error(`${where}: bad metric name "${name}"`);
      if (!TYPES.has(type!)) throw new Error(`${where}: unknown type "${type}"`);
      if (types.has(name!)) throw new Error(`${where}: second TYPE line for ${name}`);
      types.set(name!, type!);
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/.exec(line);
    if (!m) throw new Error(`${where}: not a sample: "${line}"`);
    const name = m[1]!;
    const family = familyOf(name, types);
    if (family !== current) {
      if (closed.has(family)) throw new Error(`${where}: samples of ${family} are not together`);
      if (current) closed.add(current);
      current = family;
    }
    const labels = parseLabels(m[2] ?? '', where);
    const key = `${name}{${Object.entries(labels)
      .sort()
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
    if (series.has(key)) throw new Error(`${where}: ${key} twice`);
    series.add(key);
    samples.push({ name, labels, value: parseValue(m[3]!, where) });
  });
  return { samples, types };
}

/** Every sample of one metric whose labels include `match`. */
export function select(e: Exposition, name: string, match: Record<string, string> = {}): Sample[] {
  return e.samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}
