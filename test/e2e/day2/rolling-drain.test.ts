// What clients see during rolling-restart with no VIP: a client spreading 20 new TLS connections/s
// over the three host addresses is never refused by every host at once, and long-lived
// connections (a watch: a request every 500 ms on one keep-alive connection) through a restarted
// host end once, with a FIN — no reset, no hang. The refused window per host is printed as a
// [figure] line; no timing is asserted beyond liveness bounds.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { throughLb, watch, type End } from '../support/traffic.ts';
import { deploy, onHost, runCli, unitStart } from '../support/cli.ts';

const lab = labOrSkip();
const RATE_MS = 50; // 20 new connections per second, round-robin over the hosts

interface Attempt {
  host: string;
  at: number;
  ok: boolean;
  error?: string;
}

describe.skipIf(!lab)('rolling-restart as clients see it (no VIP)', () => {
  beforeAll(async () => deploy(lab!.inventoryPath));

  it('never refused by every host at once; long-lived connections end once, with a FIN', async () => {
    const hosts = lab!.hosts;
    let running = true;
    const attempts: Attempt[] = [];
    const pending: Promise<void>[] = [];
    const ends = new Map<string, End[]>(hosts.map((h) => [h.name, []]));
    // One watcher per host, reconnecting after each end (as kubectl does) while the run lasts.
    const watchers = hosts.map(async (h) => {
      while (running) {
        const how = await watch(h.address, () => !running);
        if (how === 'open at the end') break;
        if (how !== undefined) ends.get(h.name)!.push(how);
        await new Promise((r) => setTimeout(r, 200));
      }
    });
    await new Promise((r) => setTimeout(r, 1000)); // the watchers are connected
    const end = Date.now() + 60_000; // liveness bound, whatever happens
    const client = (async () => {
      for (let i = 0; running && Date.now() < end; i++) {
        const h = hosts[i % hosts.length]!;
        const at = Date.now();
        pending.push(
          throughLb(h.address, 6443, '/version', 3000).then(
            (body) => void attempts.push({ host: h.name, at, ok: body.includes('gitVersion') }),
            (e: NodeJS.ErrnoException) =>
              void attempts.push({ host: h.name, at, ok: false, error: e.code ?? e.message }),
          ),
        );
        await new Promise((r) => setTimeout(r, RATE_MS));
      }
    })();
    const cache = await mkdtemp(join(tmpdir(), 'ekp-drain-e2e-'));
    const t0 = Date.now();
    const r = await runCli(['rolling-restart', '--hosts', lab!.inventoryPath], { env: { EKP_CACHE_DIR: cache } });
    const took = Date.now() - t0;
    running = false;
    await client;
    await Promise.all(pending);
    await Promise.all(watchers);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(attempts.length).toBeGreaterThan(20);

    // Per host: its refused window, from the first to the last failed attempt.
    const windows = hosts.map((h) => {
      const failed = attempts.filter((a) => a.host === h.name && !a.ok);
      const from = Math.min(...failed.map((a) => a.at));
      const to = Math.max(...failed.map((a) => a.at));
      return { host: h.name, failed, from, to, ms: failed.length ? to - from + RATE_MS * hosts.length : 0 };
    });
    for (const w of windows) {
      const kinds = [...new Set(w.failed.map((a) => a.error ?? 'bad answer'))].join(',') || '-';
      console.log(
        `[figure] ${w.host}: refused window ${w.ms} ms (${w.failed.length} of ${attempts.filter((a) => a.host === w.host).length} new connections failed: ${kinds})`,
      );
    }
    const total = attempts.filter((a) => !a.ok).length;
    console.log(
      `[figure] rolling-restart of ${hosts.length} hosts: ${took} ms, ${total} of ${attempts.length} new connections failed`,
    );
    // Never all hosts refusing at once: the failure windows have no instant in common.
    const latestStart = Math.max(...windows.map((w) => (w.failed.length ? w.from : Infinity)));
    const earliestEnd = Math.min(...windows.map((w) => (w.failed.length ? w.to : -Infinity)));
    expect(latestStart > earliestEnd || windows.some((w) => w.failed.length === 0), JSON.stringify(windows)).toBe(true);

    // Each host was restarted once: its watcher ended once, with a FIN, and its reconnection lived on.
    for (const h of hosts) {
      console.log(`[figure] ${h.name}: long-lived connection ends: ${ends.get(h.name)!.join(',') || 'none'}`);
      expect(ends.get(h.name), h.name).toEqual(['fin']);
    }
  });
  it('never restarts the last ready host; a config the binary refuses leaves the host serving', async () => {
    const [lb1, ...peers] = lab!.hosts;
    const run = async () =>
      runCli(['rolling-restart', '--hosts', lab!.inventoryPath, '--limit', lb1!.name], {
        env: { EKP_CACHE_DIR: await mkdtemp(join(tmpdir(), 'ekp-drain-e2e-')) },
      });
    const admin = (name: string, path: string) => onHost(lab!, name, `curl -s -X POST 127.0.0.1:10000${path}`);
    const health = async () => (await fetch(`http://${lb1!.address}:9903/healthz`)).status;
    const before = await unitStart(lab!, lb1!.name);

    for (const p of peers) await admin(p.name, '/healthcheck/fail');
    const last = await run();
    for (const p of peers) await admin(p.name, '/healthcheck/ok');
    expect(last.code, last.stdout + last.stderr).not.toBe(0);
    expect(last.stdout).toContain('not restarted: it is the last ready host');

    const conf = '/etc/envoy-k8s-proxy/envoy.yaml';
    await onHost(lab!, lb1!.name, `cp -p ${conf} /root/envoy.yaml.good && echo 'bogus_field: 1' >> ${conf}`);
    const refused = await run();
    await onHost(lab!, lb1!.name, `cp -p /root/envoy.yaml.good ${conf}`);
    expect(refused.code, refused.stdout + refused.stderr).not.toBe(0);
    expect(refused.stdout).toMatch(/envoy --mode validate refused the live config; not restarted.*bogus_field/);
    expect(await unitStart(lab!, lb1!.name)).toBe(before);
    expect(await health()).toBe(200);
  });
});
