// A single-host fleet restarts through Envoy's hot restart (rolling.hotRestart: auto): the new
// epoch takes the listening sockets over, so a client opening 20 TLS connections/s to the one LB
// host is never refused — during rolling-restart and during a bootstrap change by deploy. The
// unit's main process (the restarter) stays; long-lived connections through the old epoch end once,
// with a FIN. A unit change still stops and starts the service, and says why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { throughLb, watch, type End } from '../support/traffic.ts';
import { deploy, labInventory, onHost, runCli, unitStart } from '../support/cli.ts';

const lab = labOrSkip();
const RATE_MS = 50; // 20 new connections per second

interface Load {
  attempts: { at: number; ok: boolean; error?: string }[];
  ends: End[];
  stop(): Promise<void>;
}

/** New TLS connections to one address every RATE_MS, and a watch that reconnects after each end. */
function load(address: string): Load {
  let running = true;
  const attempts: Load['attempts'] = [];
  const ends: End[] = [];
  const pending: Promise<void>[] = [];
  const client = (async () => {
    const end = Date.now() + 90_000; // liveness bound
    while (running && Date.now() < end) {
      const at = Date.now();
      pending.push(
        throughLb(address, 6443, '/version', 3000).then(
          (body) => void attempts.push({ at, ok: body.includes('gitVersion') }),
          (e: NodeJS.ErrnoException) => void attempts.push({ at, ok: false, error: e.code ?? e.message }),
        ),
      );
      await new Promise((r) => setTimeout(r, RATE_MS));
    }
  })();
  const watcher = (async () => {
    while (running) {
      const how = await watch(address, () => !running);
      if (how === 'open at the end') break;
      if (how !== undefined) ends.push(how);
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  return {
    attempts,
    ends,
    async stop() {
      running = false;
      await client;
      await Promise.all(pending);
      await watcher;
    },
  };
}

describe.skipIf(!lab)('hot restart of a single-host fleet', () => {
  let one: string;
  let lb1: { name: string; address: string };

  beforeAll(async () => {
    lb1 = lab!.hosts[0]!;
    // lb1 alone: no VIP (nobody to share it with), hot restart by default
    one = labInventory(lab!, (d) => {
      d.hosts = d.hosts.slice(0, 1);
      delete d.vip;
    });
    const r = await runCli(['deploy', '--hosts', one]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // a unit that was not under the restarter yet: stopped and started, and says why
    if (r.stdout.includes('restart envoy-k8s-proxy — ')) expect(r.stdout).not.toContain('hot restart to epoch');
    expect(await onHost(lab!, lb1.name, 'cat /run/envoy-k8s-proxy-envoy/epoch')).toBe('0\n');
  });

  // the lab as the other files expect it: every host deployed, the VIP on
  afterAll(async () => deploy(lab!.inventoryPath), 300_000);

  async function underLoad(run: () => Promise<{ code: number | null; stdout: string; stderr: string }>) {
    const main = await unitStart(lab!, lb1.name);
    const l = load(lb1.address);
    await new Promise((r) => setTimeout(r, 1000)); // the watch is connected
    const t0 = Date.now();
    const r = await run();
    const took = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 3000)); // the old epoch leaves (drain 1 s + 1 s)
    await l.stop();
    const failed = l.attempts.filter((a) => !a.ok);
    return {
      r,
      took,
      failed,
      attempts: l.attempts,
      ends: l.ends,
      sameMain: (await unitStart(lab!, lb1.name)) === main,
    };
  }

  it('rolling-restart: a new epoch takes the sockets over, 0 connections refused, the watch ends once with a FIN', async () => {
    const epoch = Number(await onHost(lab!, lb1.name, 'cat /run/envoy-k8s-proxy-envoy/epoch'));
    const o = await underLoad(() => runCli(['rolling-restart', '--hosts', one]));
    console.log(
      `[figure] hot restart of a single-host fleet (rolling-restart, ${o.took} ms): ${o.failed.length} of ${o.attempts.length} new connections failed${o.failed.length ? ` (${[...new Set(o.failed.map((f) => f.error))].join(',')})` : ''}; watch ends: ${o.ends.join(',') || 'none'}`,
    );
    expect(o.r.code, o.r.stdout + o.r.stderr).toBe(0);
    expect(o.r.stdout).toContain(`hot restart to epoch ${epoch + 1}, listening sockets kept`);
    expect(o.attempts.length).toBeGreaterThan(40);
    expect(o.failed).toEqual([]);
    expect(o.ends).toEqual(['fin']);
    // systemd never restarted the service: the restarter is the same process
    expect(o.sameMain).toBe(true);
    expect(await onHost(lab!, lb1.name, 'cat /run/envoy-k8s-proxy-envoy/epoch')).toBe(`${epoch + 1}\n`);
    // the old epoch is gone: one Envoy process left under the restarter
    expect(
      (await onHost(lab!, lb1.name, 'pgrep -f -- "--restart-epoch [0-9]+$" | wc -l')).trim(),
      await onHost(lab!, lb1.name, 'pgrep -af -- "--restart-epoch"'),
    ).toBe('1');
  }, 120_000);

  it('a bootstrap change by deploy (metrics port): hot restart, 0 refused; a second deploy changes nothing', async () => {
    const moved = labInventory(lab!, (d) => {
      d.hosts = d.hosts.slice(0, 1);
      delete d.vip;
      d.metrics = { ...d.metrics, port: 9912 };
    });
    try {
      const o = await underLoad(() => runCli(['deploy', '--hosts', moved]));
      console.log(
        `[figure] hot restart of a single-host fleet (deploy, bootstrap change, ${o.took} ms): ${o.failed.length} of ${o.attempts.length} new connections failed; watch ends: ${o.ends.join(',') || 'none'}`,
      );
      expect(o.r.code, o.r.stdout + o.r.stderr).toBe(0);
      expect(o.r.stdout).toMatch(/restart envoy-k8s-proxy — hot restart to epoch \d+, listening sockets kept/);
      expect(o.failed).toEqual([]);
      expect(o.ends).toEqual(['fin']);
      expect(o.sameMain).toBe(true);
      expect(
        await onHost(lab!, lb1.name, `curl -s -o /dev/null -w '%{http_code}' ${lb1.address}:9912/stats/prometheus`),
      ).toBe('200');
      const again = await runCli(['deploy', '--hosts', moved, '--json']);
      expect(again.code, again.stdout).toBe(0);
      expect((JSON.parse(again.stdout) as { recap: { changed: number }[] }).recap.map((h) => h.changed)).toEqual([0]);
    } finally {
      const back = await runCli(['deploy', '--hosts', one]);
      expect(back.code, back.stdout + back.stderr).toBe(0);
    }
  }, 180_000);

  it('a unit change (log level) stops and starts the service, saying why', async () => {
    const debug = labInventory(lab!, (d) => {
      d.hosts = d.hosts.slice(0, 1);
      delete d.vip;
      d.envoy = { ...d.envoy, logLevel: 'debug' };
    });
    try {
      const main = await unitStart(lab!, lb1.name);
      const r = await runCli(['deploy', '--hosts', debug]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('no hot restart (the unit changed since the service started)');
      expect(await unitStart(lab!, lb1.name)).not.toBe(main);
      expect(await onHost(lab!, lb1.name, 'cat /run/envoy-k8s-proxy-envoy/epoch')).toBe('0\n');
    } finally {
      const back = await runCli(['deploy', '--hosts', one]);
      expect(back.code, back.stdout + back.stderr).toBe(0);
    }
  }, 180_000);
});
