// pnpm run dashboard:chart [--seconds 60] [--out monitoring/dashboard.svg] [--data FILE] [--from FILE]
// With the lab up and deployed (LAB_BRIDGE/LAB_SUBNET as for `lab`): TLS traffic through every host
// (connections held open and used, like kubectl watches), one apiserver stopped for a while and
// started again, every host's metrics port scraped each second; the scrapes are drawn as the
// dashboard's panels (test/monitoring/dashboard-chart.ts). --from redraws saved scrapes, no lab.
import { readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { connect, type TLSSocket } from 'node:tls';
import { parseArgs } from 'node:util';
import { readLabInfo, startApiserver, stopApiserver } from '../test/lab/index.ts';
import { dashboardChart, PANEL_METRICS, type DashboardRun, type Round } from '../test/monitoring/dashboard-chart.ts';
import { parsePrometheusText } from '../test/monitoring/prom-text.ts';

const { values: o } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    seconds: { type: 'string', default: '60' },
    out: { type: 'string', default: 'monitoring/dashboard.svg' },
    data: { type: 'string' },
    from: { type: 'string' },
    'metrics-port': { type: 'string', default: '9902' },
  },
});
const log = (l: string) => console.error(`dashboard:chart: ${l}`);
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
// the lab's clusters: k8s_cluster1 on 6443 (apiservers 16443, 16444), k8s_cluster2 on 6444 (16445)
const LISTENERS = [6443, 6443, 6444];
const STOPPED_APISERVER = 16444;

/** A connection held open and asked for /version every second, like a client with a watch open. */
function hold(address: string, port: number, onError: () => void): { close: () => void } {
  const s: TLSSocket = connect({ host: address, port, rejectUnauthorized: false, servername: 'kubernetes' });
  const ask = () => s.write('GET /version HTTP/1.1\r\nHost: kubernetes\r\n\r\n');
  const timer = setInterval(ask, 1000);
  s.on('secureConnect', ask);
  s.on('data', () => undefined);
  s.on('error', () => (clearInterval(timer), onError()));
  s.on('close', () => clearInterval(timer));
  return { close: () => (clearInterval(timer), s.destroy()) };
}

/** New connections to `port` on every host, 10 a second each, for `ms`: some meet the stopped apiserver. */
async function burst(addresses: string[], port: number, ms: number, onError: () => void): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    for (const a of addresses) {
      const s = connect({ host: a, port, rejectUnauthorized: false, servername: 'kubernetes' });
      s.on('secureConnect', () => s.destroy());
      s.on('error', onError);
      s.setTimeout(3000, () => s.destroy());
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scrape(address: string, port: number) {
  const res = await fetch(`http://${address}:${port}/stats/prometheus`, { signal: AbortSignal.timeout(2000) });
  if (!res.ok) throw new Error(`${address}:${port}: HTTP ${res.status}`);
  return parsePrometheusText(await res.text()).filter((s) => PANEL_METRICS.includes(s.name));
}

async function record(seconds: number): Promise<DashboardRun> {
  const lab = readLabInfo();
  if (!lab) throw new Error('no lab is up: pnpm run lab up 3 && pnpm run deploy --hosts hosts/lab.yaml');
  const port = Number(o['metrics-port']);
  const startedAt = new Date().toISOString();
  const start = load();
  const events: DashboardRun['events'] = [];
  const rounds: Round[] = [];
  const open: { close: () => void }[] = [];
  let failed = 0;
  const t0 = performance.now();
  const now = () => (performance.now() - t0) / 1000;
  for (let tick = 0; tick <= seconds; tick++) {
    const phase = tick / seconds;
    // ramp up for the first two thirds, then let connections go
    if (phase < 0.67)
      for (const [i, h] of lab.hosts.entries()) open.push(hold(h.address, LISTENERS[(tick + i) % 3]!, () => failed++));
    else open.splice(0, Math.ceil(open.length / 8)).forEach((c) => c.close());
    if (tick === Math.round(seconds * 0.3)) {
      events.push({ t: now(), label: `apiserver ${STOPPED_APISERVER} stopped` });
      const load = burst(
        lab.hosts.map((h) => h.address),
        LISTENERS[0]!,
        4000,
        () => failed++,
      );
      await stopApiserver(STOPPED_APISERVER);
      await load;
    }
    if (tick === Math.round(seconds * 0.55)) {
      events.push({ t: now(), label: `${STOPPED_APISERVER} started` });
      await startApiserver(STOPPED_APISERVER);
    }
    const t = now();
    const hosts = Object.fromEntries(
      await Promise.all(lab.hosts.map(async (h) => [h.name, await scrape(h.address, port)] as const)),
    );
    rounds.push({ t, hosts });
    log(`${Math.round(t)} s: ${open.length} connections open, ${failed} failed`);
    await new Promise((r) => setTimeout(r, Math.max(0, (tick + 1) * 1000 - (performance.now() - t0))));
  }
  open.forEach((c) => c.close());
  return { startedAt, loadAvg: { start, end: load() }, events, rounds };
}

const run: DashboardRun = o.from
  ? (JSON.parse(readFileSync(o.from, 'utf8')) as DashboardRun)
  : await record(Number(o.seconds));
if (o.data && !o.from) writeFileSync(o.data, `${JSON.stringify(run)}\n`);
writeFileSync(o.out, dashboardChart(run));
log(`${o.out} written (load average ${run.loadAvg.start.join(' ')} → ${run.loadAvg.end.join(' ')})`);
