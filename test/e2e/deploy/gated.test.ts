// Gated rollout on the lab: a wrong-but-valid endpoint list (every endpoint refuses) goes to the
// canary only; its gate fails, the canary gets its previous files back, the other hosts are never
// touched, the run exits non-zero, and a 20 req/s client through the fleet loses no more than the
// canary's share of requests while the gate ran. Figures are printed as [figure] lines. And a
// broken eds file put on a host by hand shows as rejected in status and doctor; a release whose
// Envoy rejects the config never becomes `current`.
import { describe, expect, it, beforeAll } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { publishRelease, standinBytes } from '../../lab/release.ts';
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

  it('a broken eds file put on a host by hand: status and doctor say Envoy rejected it', async () => {
    const dir = '/etc/envoy-k8s-proxy';
    // the way an operator would (a rename, so Envoy tries it), with content Envoy cannot parse
    await onHost(
      lab!,
      'lb1',
      `printf 'version_info: by-hand\\nresources: [unclosed\\n' > ${dir}/.hand && chown root:envoy ${dir}/.hand && chmod 640 ${dir}/.hand && mv ${dir}/.hand ${EDS}`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const st = await runCli(['status', '--hosts', lab!.inventoryPath, '--json']);
    const doc = JSON.parse(st.stdout) as {
      hosts: { host: string; health: string; problems: string[]; loaded?: { state: string; rejected: string[] } }[];
    };
    const lb1 = doc.hosts.find((h) => h.host === 'lb1')!;
    expect(lb1.loaded).toMatchObject({ state: 'rejected', rejected: ['eds_k8s_cluster1.yaml'] });
    expect(lb1.health).toBe('degraded');
    expect(lb1.problems.join('\n')).toMatch(/Envoy rejected eds_k8s_cluster1\.yaml/);
    expect(doc.hosts.find((h) => h.host === 'lb2')!.loaded?.state).toBe('in-sync');
    const table = await runCli(['status', '--hosts', lab!.inventoryPath]);
    expect(table.stdout).toMatch(/lb1 .*rejected \(eds_k8s_cluster1\.yaml\)/);

    const dr = await runCli(['doctor', '--hosts', lab!.inventoryPath, '--limit', 'lb1', '--json']);
    const rep = JSON.parse(dr.stdout) as { hosts: { checks: { id: string; verdict: string; summary: string }[] }[] };
    expect(rep.hosts[0]!.checks.find((c) => c.id === 'loaded')).toMatchObject({
      verdict: 'fail',
      summary: expect.stringMatching(/^Envoy rejected eds_k8s_cluster1\.yaml/),
    });
    expect(dr.code).toBe(1);

    // deploy puts the rendered file back, and Envoy reports it loaded
    const fix = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--limit', 'lb1', '--json']);
    expect(fix.code, fix.stderr + fix.stdout.slice(-1500)).toBe(0);
    const again = JSON.parse((await runCli(['status', '--hosts', lab!.inventoryPath, '--json'])).stdout) as typeof doc;
    expect(again.hosts.find((h) => h.host === 'lb1')!.loaded?.state).toBe('in-sync');
  });

  it('a release whose Envoy rejects the config: current does not move on any host', async () => {
    const current = (n: string) => onHost(lab!, n, 'readlink /opt/envoy-k8s-proxy/current');
    const before = await Promise.all(names.map(current));
    // a stand-in 1.35.7 that refuses every config in --mode validate (and starts like the others)
    const prelude = `import sys as _s\nif 'validate' in _s.argv: print('error: rejected by 1.35.7', file=_s.stderr); _s.exit(1)`;
    const { sha256: sum } = publishRelease(lab!.mirrorDir, '1.35.7', standinBytes('1.35.7', { prelude }));
    const inv = labInventory(lab!, (d) => (d.envoy = { ...d.envoy, version: '1.35.7', sha256: { x86_64: sum } }));
    const r = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(1);
    const res = (JSON.parse(r.stdout) as { results: { host: string; task: string; status: string; error?: string }[] })
      .results;
    expect(res.find((x) => x.host === 'lb1' && x.task === 'current release')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/envoy 1\.35\.7 rejects the current configuration; current stays where it is/),
    });
    expect(await Promise.all(names.map(current))).toEqual(before);
    // the later batch fetched the release while the canary was gated (releases/ is read by nothing
    // running), and went no further: no switch, no restart, its batch not reached
    for (const n of ['lb2', 'lb3']) {
      const mine = res.filter((x) => x.host === n).map((x) => `${x.task}:${x.status}`);
      expect(mine).toEqual(['envoy 1.35.7 binary:changed', 'batch:skipped']);
    }
    // leave the hosts as other test files expect them
    for (const n of names) await onHost(lab!, n, 'rm -rf /opt/envoy-k8s-proxy/releases/1.35.7');
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
