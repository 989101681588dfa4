// Apiserver semantics through a real LB host: one cluster of the lab's three fake apiservers.
// Two stopped → new connections only to the ready one; all three failing /readyz (500, TCP and
// TLS fine) → traffic still flows (panic mode, fail open) and status and doctor say so; one hung
// (TCP accepted, TLS never answered, nor requests on open connections) → out of rotation and back.
// And a long idle connection (a watch) shows in the access log while open, and its client socket
// on the LB host has TCP keepalive.
// Times are measured on the LB host (host-poll.ts: /clusters read every 100 ms there, stamped
// with the shared clock) and printed with the load average, not asserted beyond a liveness bound
// (figures: docs/operations.md, "Health").
import { once } from 'node:events';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiserverMode, labOrSkip, startApiserver, stopApiserver } from '../../lab/index.ts';
import { parse } from 'yaml';
import { ACCESS_LOG_DEFAULTS, CLUSTER_DEFAULTS } from '../../../src/inventory/defaults.ts';
import { parseDuration } from '../../../src/inventory/formats.ts';
import { duration } from '../../../src/render/duration.ts';
import { labInventory, onHost, runCli } from '../support/cli.ts';
import { loadavg, timeOnHost } from '../support/host-poll.ts';
import { servedBy } from '../support/traffic.ts';

type CdsFile = { resources: { name: string; health_checks: Record<string, unknown>[] }[] };

const lab = labOrSkip();
const lb = () => lab!.hosts[0]!;
const ports = () => lab!.apiservers.map((a) => a.port);
const ADMIN_CLUSTERS = 'http://127.0.0.1:10000/clusters';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// failed_active_hc is what takes a host out of rotation (Envoy sets active_hc_timeout only beside it)
const out = (flag: string | undefined) => flag?.includes('failed_active_hc') === true;

/** /clusters health flags of the single cluster, per apiserver port. */
function parseFlags(text: string): Record<number, string> {
  const got: Record<number, string> = {};
  for (const m of text.matchAll(/all3::[\d.]+:(\d+)::health_flags::(\S+)/g)) got[Number(m[1])] = m[2]!;
  return got;
}

/** Runs `act` (the fault) and returns the seconds until the LB host's /clusters satisfies `ok`. */
async function timed(
  what: string,
  act: () => unknown,
  ok: (f: Record<number, string>) => boolean,
  from: 'act-start' | 'act-end' = 'act-start',
): Promise<number> {
  const r = await timeOnHost(lab!, lb().name, ADMIN_CLUSTERS, (body) => ok(parseFlags(body)), act, { from }).catch(
    (e) => {
      throw new Error(`${what}: ${(e as Error).message}`);
    },
  );
  return r.seconds;
}

function figure(text: string, seconds: number): void {
  console.log(`[figure] ${text} ${seconds.toFixed(2)} s (${loadavg()})`);
}

const allHealthy = (f: Record<number, string>) => ports().every((p) => f[p] === 'healthy');

async function spread(n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const s = await servedBy(lb().address, 6443);
    seen[s] = (seen[s] ?? 0) + 1;
  }
  return seen;
}

describe.skipIf(!lab)('apiserver semantics on the lab', () => {
  let inventory = '';
  beforeAll(async () => {
    inventory = labInventory(lab!, (doc) => {
      // the built-in health-check defaults, which the figures are about (the lab's own are slower)
      delete doc.defaults?.healthCheck;
      doc.clusters = [
        { name: 'all3', listenPort: 6443, endpoints: lab!.apiservers.map((a) => `${lab!.bridgeAddress}:${a.port}`) },
      ];
    });
    const r = await runCli(['deploy', '--hosts', inventory, '--limit', lb().name]);
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
    const cds = parse(await onHost(lab!, lb().name, 'cat /etc/envoy-k8s-proxy/cds.yaml')) as CdsFile;
    const hc = cds.resources.find((c) => c.name === 'all3')!.health_checks[0]!;
    const d = CLUSTER_DEFAULTS.healthCheck;
    const want = [d.interval, d.timeout, d.interval].map((t) => duration(parseDuration(t)!));
    expect([hc.interval, hc.timeout, hc.no_traffic_interval]).toEqual(want);
    expect([hc.unhealthy_threshold, hc.healthy_threshold]).toEqual([d.unhealthyThreshold, d.healthyThreshold]);
    console.log(`[figure] health check (defaults): ${JSON.stringify(hc)}`);
    await timed('all healthy', () => undefined, allHealthy);
  });
  afterAll(async () => {
    for (const p of ports()) {
      await startApiserver(p).catch(() => undefined);
      apiserverMode(p, 'ok');
    }
  });

  it('two of three stopped: new connections go only to the ready one', async () => {
    const [a, b, c] = ports() as [number, number, number];
    const s = await timed(
      'two out',
      async () => {
        await stopApiserver(b);
        await stopApiserver(c);
      },
      (f) => out(f[b]) && out(f[c]),
    );
    figure('2 of 3 stopped: out of rotation after', s);
    expect(await spread(12)).toEqual({ [`apiserver-${a}`]: 12 });
    const back = await timed(
      'back',
      async () => {
        await startApiserver(b);
        await startApiserver(c);
      },
      allHealthy,
      'act-end', // from when both listen again: a node process's start is no part of the figure
    );
    figure('2 of 3 restarted: back in rotation after', back);
  });

  it('every health check failing (readyz 500): traffic still flows to all, status and doctor say panic', async () => {
    const s = await timed(
      'all unhealthy',
      () => ports().forEach((p) => apiserverMode(p, 'unready')),
      (f) => ports().every((p) => out(f[p])),
    );
    figure('all /readyz 500: all unhealthy after', s);
    const seen = await spread(12);
    expect(Object.values(seen).reduce((x, y) => x + y, 0)).toBe(12);
    expect(Object.keys(seen).length).toBeGreaterThan(1);
    const st = await runCli(['status', '--hosts', inventory, '--limit', lb().name]);
    expect(st.stdout + st.stderr).toMatch(/all3: ALL 3 endpoints unhealthy: panic mode, traffic to all \(fail open\)/);
    const dr = await runCli(['doctor', '--hosts', inventory, '--limit', lb().name, '--json']);
    const checks = (
      JSON.parse(dr.stdout) as { hosts: { checks: { id: string; verdict: string; summary: string }[] }[] }
    ).hosts[0]!.checks;
    expect(checks.find((c) => c.id === 'cluster:all3')).toMatchObject({
      verdict: 'fail',
      summary: expect.stringMatching(/^ALL 3 endpoints unhealthy: panic mode, traffic to all \(fail open\)/),
    });
    expect(dr.code).toBe(1);
    const back = await timed('recovered', () => ports().forEach((p) => apiserverMode(p, 'ok')), allHealthy);
    figure('all /readyz 200 again: all healthy after', back);
  });

  it('a hung apiserver (TCP accepted, TLS never answered) leaves rotation and comes back', async () => {
    const hung = ports()[0]!;
    // traffic first, so the checker runs on its traffic intervals as a serving LB host does
    await spread(3);
    const gone = await timed(
      'hung out',
      () => apiserverMode(hung, 'hang'),
      (f) => out(f[hung]),
    );
    figure('hung apiserver: out of rotation after', gone);
    expect(Object.keys(await spread(9))).not.toContain(`apiserver-${hung}`);
    const back = await timed(
      'hung back',
      () => apiserverMode(hung, 'ok'),
      (f) => f[hung] === 'healthy',
    );
    figure('hung apiserver recovered: back in rotation after', back);
  });

  it('a long watch: an access-log line while it is open, one with its duration at the end, TCP keepalive', async () => {
    // a client that holds its TLS connection through the LB and sends nothing, like an idle watch
    const client = tlsConnect({ host: lb().address, port: 6443, rejectUnauthorized: false, servername: 'kubernetes' });
    await once(client, 'secureConnect');
    const me = `${lab!.bridgeAddress}:${client.localPort}`;
    const mine = async () =>
      (await onHost(lab!, lb().name, `cat ${ACCESS_LOG_DEFAULTS.path}`))
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, string>)
        .filter((e) => e.downstream_remote_address === me);
    const t0 = performance.now();
    let opened: Record<string, string>[] = [];
    try {
      const ss = await onHost(lab!, lb().name, 'ss -tnoH state established "( sport = :6443 )"');
      expect(ss.split('\n').find((l) => l.includes(me))).toMatch(/timer:\(keepalive,/);
      // Envoy writes the file every 10 s (--file-flush-interval-msec), hence the bound
      while ((opened = await mine()).length === 0 && performance.now() - t0 < 25_000) await sleep(500);
      expect(opened.map((e) => e.access_log_type)).toEqual(['TcpUpstreamConnected']);
      figure('long watch: its access-log line while open, after', (performance.now() - t0) / 1000);
    } finally {
      client.destroy();
    }
    let all = opened;
    while ((all = await mine()).length < 2 && performance.now() - t0 < 50_000) await sleep(500);
    expect(all.map((e) => e.access_log_type)).toEqual(['TcpUpstreamConnected', 'TcpConnectionEnd']);
    expect(Number(all[1]!.duration_ms)).toBeGreaterThan(0);
  });
});
