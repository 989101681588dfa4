// Gated rollout on the lab: a wrong-but-valid endpoint list (every endpoint refuses) goes to the
// canary only; its gate fails, the canary gets its previous files back, the other hosts are never
// touched, the run exits non-zero, and a 20 req/s client through the fleet loses no more than the
// canary's share of requests while the gate ran. Figures are printed as [figure] lines.
import { describe, expect, it, beforeAll } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { labInventory, onHost, runCli } from '../support/cli.ts';
import { throughLb } from '../support/traffic.ts';

const lab = labOrSkip();
const names = lab?.hosts.map((h) => h.name) ?? [];
const EDS = '/etc/envoy-k8s-proxy/eds_k8s_cluster1.yaml';

interface Shot {
  host: string;
  at: number;
  ok: boolean;
}

/** 20 requests a second, round robin over the LB hosts, each a TLS exchange through Envoy. */
function client(hosts: { name: string; address: string }[]) {
  const shots: Promise<Shot>[] = [];
  let i = 0;
  const timer = setInterval(() => {
    const h = hosts[i++ % hosts.length]!;
    const at = Date.now();
    shots.push(
      throughLb(h.address, 6443, '/readyz', 3000).then(
        (body) => ({ host: h.name, at, ok: /\r\n\r\nok$/.test(body) }),
        () => ({ host: h.name, at, ok: false }),
      ),
    );
  }, 50);
  return async () => {
    clearInterval(timer);
    return Promise.all(shots);
  };
}

describe.skipIf(!lab)('gated rollout of a config change', () => {
  beforeAll(async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
  });

  it('a wrong endpoint list is rolled back on the canary; the other hosts never see it', async () => {
    const before = await Promise.all(names.map((n) => onHost(lab!, n, `sha256sum ${EDS}`)));
    const subnet = lab!.hosts[0]!.address.replace(/\.\d+$/, '');
    // valid, and wrong: nothing listens there
    const bad = labInventory(lab!, (d) => (d.clusters[0].endpoints = [`${subnet}.1:16498`, `${subnet}.1:16499`]));
    const stop = client(lab!.hosts);
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = Date.now();
    const r = await runCli(['deploy', '--hosts', bad, '--json']);
    const runMs = Date.now() - t0;
    await new Promise((r) => setTimeout(r, 2000));
    const shots = await stop();

    expect(r.code, r.stderr + r.stdout.slice(-2500)).toBe(1);
    const out = JSON.parse(r.stdout) as {
      results: { host: string; role: string; task: string; status: string; error?: string; ms: number }[];
    };
    const gate = out.results.filter((x) => x.role === 'gate');
    const rollback = gate.find((x) => x.host === 'lb1' && x.task === 'rollback');
    expect(rollback?.status).toBe('failed');
    expect(rollback?.error).toMatch(/gate failed: cluster k8s_cluster1 has 0\/2 healthy endpoints/);
    expect(rollback?.error).toMatch(/rolled back: previous config files, healthy again/);
    for (const n of ['lb2', 'lb3'])
      expect(gate.find((x) => x.host === n)).toMatchObject({ task: 'batch', status: 'skipped' });
    // lb2 and lb3 never got the file; lb1 has its previous one back, nothing kept around
    const after = await Promise.all(names.map((n) => onHost(lab!, n, `sha256sum ${EDS}`)));
    expect(after).toEqual(before);
    for (const n of names) expect(await onHost(lab!, n, 'ls -A /etc/envoy-k8s-proxy')).not.toMatch(/ekp-/);

    const failed = shots.filter((s) => !s.ok);
    // lb1 served the wrong list from the rename (inside its config task) until the rollback's restore
    const applied = out.results.find((x) => x.host === 'lb1' && x.task === 'envoy configuration');
    const gateS = (applied!.ms + rollback!.ms) / 1000;
    const share = Math.ceil((20 * gateS) / names.length);
    const load = (await onHost(lab!, 'lb1', 'cat /proc/loadavg')).trim();
    console.log(
      `[figure] gated canary: deploy exit ${r.code} in ${(runMs / 1000).toFixed(1)}s; lb1 config task + gate + rollback ${gateS.toFixed(1)}s`,
    );
    console.log(
      `[figure] 20 req/s through 3 LB hosts: ${shots.length} requests, ${failed.length} failed ` +
        `(${failed.filter((s) => s.host === 'lb1').length} on lb1); one host's share of the gate: ${share}`,
    );
    console.log(`[figure] loadavg ${load}`);
    expect(failed.filter((s) => s.host !== 'lb1')).toEqual([]);
    expect(failed.length).toBeLessThanOrEqual(share);
  });

  it('the good inventory deploys again, batch by batch, and a second run changes nothing', async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
    const again = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(again.code).toBe(0);
    const res = (JSON.parse(again.stdout) as { results: { status: string; role: string }[] }).results;
    expect(res.filter((x) => x.status !== 'ok' && x.status !== 'skipped')).toEqual([]);
    expect(res.filter((x) => x.role === 'gate')).toEqual([]);
  });
});
