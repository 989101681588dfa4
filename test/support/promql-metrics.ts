// The metric names a PromQL expression reads: strings, label matchers, grouping label lists,
// durations, numbers, Grafana variables, functions and keywords taken out, what is left are
// metric names. Enough for the expressions of monitoring/ (tested on them), not a full parser.

const KEYWORDS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'count',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'group',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'rate',
  'irate',
  'increase',
  'delta',
  'idelta',
  'deriv',
  'resets',
  'changes',
  'abs',
  'absent',
  'absent_over_time',
  'clamp',
  'clamp_max',
  'clamp_min',
  'scalar',
  'vector',
  'label_replace',
  'label_join',
  'label_values',
  'time',
  'histogram_quantile',
  'sort',
  'sort_desc',
  'round',
  'ceil',
  'floor',
  'predict_linear',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'inf',
  'nan',
]);

export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = m[0];
    const after = stripped.slice(m.index! + word.length).trimStart();
    if (KEYWORDS.has(word.toLowerCase())) continue;
    if (after.startsWith('(')) throw new Error(`unknown PromQL function ${word} in: ${expr}`);
    names.add(word);
  }
  return [...names];
}

/** Every PromQL expression of a Grafana dashboard: panel targets (rows' panels too) and query variables. */
export function dashboardExprs(dashboard: any): string[] {
  const out: string[] = [];
  const walk = (panels: any[] = []) => {
    for (const p of panels) {
      for (const t of p.targets ?? []) if (typeof t.expr === 'string') out.push(t.expr);
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  for (const v of dashboard.templating?.list ?? []) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query;
    if (v.type === 'query' && typeof q === 'string') out.push(q.replace(/^label_values\((.*),\s*\w+\)$/, '$1'));
  }
  return out;
}
