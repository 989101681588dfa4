// Apiserver semantics through a real LB host: one cluster of the lab's three fake apiservers.
// Two stopped → new connections only to the ready one; all three failing /readyz (500, TCP and TLS
// fine) → traffic still flows (panic mode, fail open) and status says so; one hung (TCP accepted,
// TLS never answered) → out of rotation and back. Times are printed, not asserted beyond a
// generous bound (figures: docs/operations.md, "Health").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiserverMode, labOrSkip, startApiserver, stopApiserver } from '../../lab/index.ts';
import { labInventory, onHost, runCli } from '../support/cli.ts';
import { servedBy } from '../support/traffic.ts';

const lab = labOrSkip();
const lb = () => lab!.hosts[0]!;
const ports = () => lab!.apiservers.map((a) => a.port);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// /active_hc_timeout alone is a flag on a host still in rotation; /failed_active_hc takes it out
const out = (flag: string | undefined) => flag?.includes('failed_active_hc') === true;

/** /clusters health flags of the single cluster, per apiserver port. */
async function flags(): Promise<Record<number, string>> {
  const out = await onHost(lab!, lb().name, 'curl -s 127.0.0.1:10000/clusters');
  const got: Record<number, string> = {};
  for (const m of out.matchAll(/^all3::[\d.]+:(\d+)::health_flags::(\S+)$/gm)) got[Number(m[1])] = m[2]!;
  return got;
}

/** Polls until `ok(flags)`; returns the seconds it took. */
async function until(what: string, ok: (f: Record<number, string>) => boolean, boundMs = 15_000): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < boundMs) {
    if (ok(await flags())) return (performance.now() - t0) / 1000;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${boundMs} ms (${JSON.stringify(await flags())})`);
}

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
      doc.clusters = [
        { name: 'all3', listenPort: 6443, endpoints: lab!.apiservers.map((a) => `${lab!.bridgeAddress}:${a.port}`) },
      ];
    });
    const r = await runCli(['deploy', '--hosts', inventory, '--limit', lb().name]);
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
    await until('all healthy', (f) => ports().every((p) => f[p] === 'healthy'));
  });
  afterAll(async () => {
    for (const p of ports()) {
      await startApiserver(p).catch(() => undefined);
      apiserverMode(p, 'ok');
    }
  });

  it('two of three stopped: new connections go only to the ready one', async () => {
    const [a, b, c] = ports() as [number, number, number];
    await stopApiserver(b);
    await stopApiserver(c);
    const s = await until('two out', (f) => out(f[b]) && out(f[c]));
    console.log(`[figures] 2 of 3 stopped: out of rotation after ${s.toFixed(2)} s`);
    expect(await spread(12)).toEqual({ [`apiserver-${a}`]: 12 });
    await startApiserver(b);
    await startApiserver(c);
    const back = await until('back', (f) => ports().every((p) => f[p] === 'healthy'));
    console.log(`[figures] restarted: back in rotation after ${back.toFixed(2)} s`);
  });

  it('every health check failing (readyz 500): traffic still flows to all, status says panic', async () => {
    for (const p of ports()) apiserverMode(p, 'unready');
    const s = await until('all unhealthy', (f) => ports().every((p) => out(f[p])));
    console.log(`[figures] all /readyz 500: all unhealthy after ${s.toFixed(2)} s`);
    const seen = await spread(12);
    expect(Object.values(seen).reduce((x, y) => x + y, 0)).toBe(12);
    expect(Object.keys(seen).length).toBeGreaterThan(1);
    const st = await runCli(['status', '--hosts', inventory, '--limit', lb().name]);
    expect(st.stdout + st.stderr).toMatch(/all3: ALL 3 endpoints unhealthy: panic mode, traffic to all \(fail open\)/);
    for (const p of ports()) apiserverMode(p, 'ok');
    await until('recovered', (f) => ports().every((p) => f[p] === 'healthy'));
  });

  it('a hung apiserver (TCP accepted, TLS never answered) leaves rotation and comes back', async () => {
    const hung = ports()[0]!;
    apiserverMode(hung, 'hang');
    const gone = await until('hung out', (f) => out(f[hung]));
    console.log(`[figures] hung apiserver: out of rotation after ${gone.toFixed(2)} s`);
    expect(Object.keys(await spread(9))).not.toContain(`apiserver-${hung}`);
    apiserverMode(hung, 'ok');
    const back = await until('hung back', (f) => f[hung] === 'healthy');
    console.log(`[figures] hung apiserver recovered: back after ${back.toFixed(2)} s`);
    expect(gone + back).toBeLessThan(30);
  });
});
