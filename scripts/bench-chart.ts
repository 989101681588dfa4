// pnpm run bench:chart <bench.json> [out.svg]: the chart of a `pnpm run bench --json` run
// (default out: docs/benchmarks.svg). See docs/benchmarks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { benchChart, type BenchDoc } from '../test/bench/chart.ts';

const [input, output = 'docs/benchmarks.svg'] = process.argv.slice(2).filter((a) => a !== '--');
if (!input) {
  console.error('usage: pnpm run bench:chart <bench.json> [out.svg]');
  process.exit(2);
}
writeFileSync(output, benchChart(JSON.parse(readFileSync(input, 'utf8')) as BenchDoc));
console.error(`bench:chart: ${output} written from ${input}`);
