// pnpm run bench [--hosts-counts 1,4,8,16] [--repeat K] [--json FILE] [--keep] [--release-mib M]
//                [--uplink-mbit R] [--fetch control|host] [--peer-fetch on|off] [--serial N|P%|1,100%] [--hot-restart on|off]
// Figures, not a test: for each host count a fresh lab, the parallel-ssh floor, then the tool's fresh,
// no-op, endpoint-only and restart deploys as child processes. See docs/benchmarks.md.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { labConfig } from '../test/lab/config.ts';
import { machineInfo } from '../test/bench/machine.ts';
import { checkGnuTime } from '../test/bench/measure.ts';
import { ansibleTable, breakdown, figuresTable, machineLine, verdictLines, verdicts } from '../test/bench/report.ts';
import { runBench } from '../test/bench/run.ts';

const USAGE =
  'usage: pnpm run bench [--hosts-counts 1,4,8,16] [--repeat K] [--json FILE] [--keep] [--release-mib M] [--uplink-mbit R] [--fetch control|host] [--peer-fetch on|off] [--serial N|P%|1,100%] [--hot-restart on|off]';

function options() {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      'hosts-counts': { type: 'string', default: '1,4,8,16' },
      repeat: { type: 'string', default: '3' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'release-mib': { type: 'string' },
      'uplink-mbit': { type: 'string' },
      fetch: { type: 'string' },
      'peer-fetch': { type: 'string' },
      serial: { type: 'string' },
      'hot-restart': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const hostCounts = values['hosts-counts'].split(',').map((x) => Number(x.trim()));
  const repeat = Number(values.repeat);
  const positive = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const releaseMiB = positive(values['release-mib']);
  const uplinkMbit = positive(values['uplink-mbit']);
  const fetch = values.fetch;
  const peerFetch = values['peer-fetch'];
  const serial = values.serial;
  const hotRestart = values['hot-restart'];
  const step = /^([1-9]\d*|[1-9]\d?%|100%)$/;
  if (
    hostCounts.some((n) => !Number.isInteger(n) || n < 1) ||
    !Number.isInteger(repeat) ||
    repeat < 1 ||
    [releaseMiB, uplinkMbit].some((x) => x !== undefined && !(Number.isInteger(x) && x > 0)) ||
    (fetch !== undefined && fetch !== 'control' && fetch !== 'host') ||
    (peerFetch !== undefined && peerFetch !== 'on' && peerFetch !== 'off') ||
    (serial !== undefined && !serial.split(',').every((x) => step.test(x))) ||
    (hotRestart !== undefined && hotRestart !== 'on' && hotRestart !== 'off')
  )
    throw new Error(USAGE);
  return {
    hostCounts,
    repeat,
    json: values.json,
    keep: values.keep,
    ...(releaseMiB ? { releaseMiB } : {}),
    ...(uplinkMbit ? { uplinkMbit } : {}),
    ...(fetch ? { fetch: fetch as 'control' | 'host' } : {}),
    ...(peerFetch ? { peerFetch: peerFetch === 'on' } : {}),
    ...(serial ? { serial: serialOption(serial) } : {}),
    ...(hotRestart ? { hotRestart: hotRestart === 'on' } : {}),
  };
}

/** `2`, `25%`, or `1,100%` as the inventory writes them: 2, "25%", [1, "100%"]. */
function serialOption(v: string): number | string | (number | string)[] {
  const one = (x: string) => (/%$/.test(x) ? x : Number(x));
  const parts = v.split(',');
  return parts.length === 1 ? one(v) : parts.map(one);
}

const o = options();
checkGnuTime();
// what an installed package runs: the bundle, not the sources through tsx (bin/load-cli.js falls
// back to those when the bundle is older than an edit, ~0.35 s and ~40 MiB more per run)
const build = spawnSync('pnpm', ['-s', 'run', 'build'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('pnpm run build failed: the benchmark measures the bundled CLI');
const cfg = labConfig();
const log = (line: string) => console.error(`bench: ${line}`);
const machine = machineInfo(cfg.bridge);
const startedAt = new Date().toISOString();
log(`lab ${cfg.bridge} (${cfg.subnet}.0/24); this checkout's lab is replaced by a fresh one per host count`);
const { startup, runs, failed } = await runBench({ ...o, log });
const checks = verdicts(runs);

console.log(`\n${machineLine(machine)}`);
console.log(
  `release ${o.releaseMiB ? `padded to ${o.releaseMiB} MiB` : 'the plain stand-in'}, control uplink ${o.uplinkMbit ? `shaped to ${o.uplinkMbit} Mbit/s` : 'not shaped'}, fetch: ${o.fetch ?? 'control (the lab default)'}, peer fetch ${o.peerFetch === false ? 'off (a push per host)' : 'on (the default)'}, rolling.serial ${o.serial === undefined ? '1 (the default)' : JSON.stringify(o.serial)}, rolling.hotRestart ${o.hotRestart === undefined ? 'auto (the default)' : String(o.hotRestart)}`,
);
console.log(
  `medians of ${o.repeat} for the floor, no-op and endpoint figures; fresh deploy, restart, upgrade and the upload floors run once per host count\n`,
);
console.log(figuresTable(startup, runs));
console.log('\nTargets (issues 8 and 16)');
console.log(verdictLines(checks));
console.log('\nAgainst the Ansible reference');
console.log(ansibleTable(runs));
console.log('\nWhere the time goes');
console.log(breakdown(startup, runs));
for (const r of runs) for (const n of r.notes) console.log(`note (${r.hosts} hosts): ${n}`);
for (const f of failed) console.log(`NOT MEASURED (${f.hosts} hosts): ${f.error.split('\n')[0]}`);

if (o.json) {
  const doc = {
    version: 1,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    options: {
      hostCounts: o.hostCounts,
      repeat: o.repeat,
      releaseMiB: o.releaseMiB,
      uplinkMbit: o.uplinkMbit,
      fetch: o.fetch,
      peerFetch: o.peerFetch,
      serial: o.serial,
      hotRestart: o.hotRestart,
    },
    startup,
    runs,
    failed,
    targets: checks,
  };
  writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
  log(`figures written to ${o.json}`);
}
if (failed.length) process.exitCode = 1;
