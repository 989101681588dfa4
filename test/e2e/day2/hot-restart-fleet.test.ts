// A fleet behind the VIP with rolling.hotRestart: true and rolling.serial: [1, "100%"] (a canary,
// then every other host at once). Hot restarts keep every listening socket, so the wide batch
// restarts together and a client of the VIP (20 new TLS connections/s) sees nothing; the VIP stays
// where it is. A restart that cannot be hot (a unit change) stops and starts one host at a time
// even in that wide batch, with the VIP handed over first.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { deploy, labInventory, onHost, runCli } from '../support/cli.ts';
import { clientDuring, holders, labVip } from '../support/vip.ts';

const lab = labOrSkip();
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

describe.skipIf(!lab)('hot restart of a fleet behind the VIP, canary then the rest at once', () => {
  let vip = '';
  let inventory = '';
  const names = () => lab!.hosts.map((h) => h.name);
  const epochs = async () =>
    Promise.all(names().map(async (n) => Number(await onHost(lab!, n, 'cat /run/envoy-k8s-proxy-envoy/epoch'))));
  const hotFleet = (edit: (d: Record<string, any>) => void = () => {}) =>
    labInventory(lab!, (d) => {
      d.rolling = { ...d.rolling, hotRestart: true, serial: [1, '100%'] };
      edit(d);
    });

  beforeAll(async () => {
    vip = labVip(lab!);
    inventory = hotFleet();
    // the unit moves under the restarter: stopped and started, one host at a time
    const r = await runCli(['deploy', '--hosts', inventory]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await epochs()).toEqual(names().map(() => 0));
  }, 300_000);

  // the lab as the other files expect it (cold restarts, one host at a time, the default log
  // level): the last test's unit change is undone here too
  afterAll(async () => deploy(lab!.inventoryPath), 300_000);

  it('rolling-restart: the canary, then the other hosts together; 0 connections failed, the VIP never moves', async () => {
    const before = await epochs();
    const holder = await holders(lab!, vip);
    const t0 = Date.now();
    const r = await clientDuring(vip, () => runCli(['rolling-restart', '--hosts', inventory]));
    const took = Date.now() - t0;
    const out = r.value.stdout;
    console.log(
      `[figure] hot rolling-restart of ${names().length} hosts behind the VIP, serial [1, "100%"]: ${r.failed.length} of ${r.total} new connections failed (${r.failed.map((f) => `${f.at} ms: ${f.error}`).join(', ') || 'none'}) in ${(took / 1000).toFixed(1)} s; loadavg ${loadavg()}`,
    );
    expect(r.value.code, out + r.value.stderr).toBe(0);
    const hot = new Set(
      [...out.matchAll(/(lb\d+)\s+hot restart to epoch \d+, listening sockets kept/g)].map((m) => m[1]),
    );
    expect([...hot].sort()).toEqual(names());
    // when each new epoch started (the restarter writes its number then): lb1 first, alone; the
    // other two together, after the canary's gate
    const [first, ...rest] = await Promise.all(
      names().map(async (n) => Number(await onHost(lab!, n, 'date -r /run/envoy-k8s-proxy-envoy/epoch +%s.%N'))),
    );
    console.log(
      `[figure] epoch starts after the canary's: ${rest.map((x) => `${(x - first!).toFixed(2)} s`).join(', ')}`,
    );
    for (const x of rest) expect(x - first!).toBeGreaterThan(1);
    expect(Math.abs(rest[0]! - rest[1]!)).toBeLessThan(1);
    expect(out).not.toMatch(/VIP handed to/);
    expect(r.failed).toEqual([]);
    expect(await epochs()).toEqual(before.map((e) => e + 1));
    expect(await holders(lab!, vip)).toEqual(holder);
  }, 180_000);

  it('a unit change cannot be hot: the wide batch stops and starts one host at a time, the VIP handed over first', async () => {
    const debug = hotFleet((d) => (d.envoy = { ...d.envoy, logLevel: 'debug' }));
    const t0 = Date.now();
    const r = await clientDuring(vip, () => runCli(['deploy', '--hosts', debug]));
    const out = r.value.stdout;
    console.log(
      `[figure] unit change of ${names().length} hosts with serial [1, "100%"] and hot restart on: ${r.failed.length} of ${r.total} new connections failed (${r.failed.map((f) => `${f.at} ms: ${f.error}`).join(', ') || 'none'}) in ${((Date.now() - t0) / 1000).toFixed(1)} s; loadavg ${loadavg()}`,
    );
    expect(r.value.code, out + r.value.stderr).toBe(0);
    const cold = out.matchAll(/(lb\d+)\s+no hot restart \(the unit changed since the service started\)/g);
    expect([...new Set([...cold].map((m) => m[1]))].sort()).toEqual(names());
    // the two hosts of the wide batch: one waited for the other's turn
    expect(out).toMatch(/waits for its turn: at most 1 stop-and-start restart\(s\) at once/);
    expect(out).toMatch(/VIP handed to lb\d+ in \d+ ms/);
    expect(r.failed).toEqual([]);
  }, 300_000);
});
