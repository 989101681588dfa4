// The Envoy binary's life on real hosts: a new release fetched by the hosts themselves, a refused
// downgrade, a one-switch rollback, a checksum mismatch that installs nothing anywhere (both fetch
// modes), and a config the host's envoy rejects, which leaves the running config alone.
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { publishRelease, sha256, standinBytes } from '../../lab/release.ts';
import { labInventory, managedFiles, onHost, runCli, unitStart } from '../support/cli.ts';
import { loadInventory } from '../../../src/inventory/index.ts';
import { connect } from '../../../src/ssh/index.ts';
import { Connections } from '../../../src/runner/connections.ts';
import { runPlay } from '../../../src/runner/run.ts';
import { envoyConfigRole } from '../../../roles/envoy_config/main.ts';
import { renderConfigFiles } from '../../../src/render/index.ts';

const lab = labOrSkip();
const names = lab?.hosts.map((h) => h.name) ?? [];
const json = (s: string) =>
  JSON.parse(s) as {
    recap: { host: string; failed: number; changed: number }[];
    results: { host: string; task: string; status: string; error?: string; role: string }[];
  };
/** Hosts a gated deploy left untouched after an earlier batch failed. */
const notReached = (s: string) =>
  json(s)
    .results.filter((x) => x.role === 'gate' && x.task === 'batch' && x.status === 'skipped')
    .map((x) => x.host);
const current = (n: string) =>
  onHost(lab!, n, 'readlink /opt/envoy-k8s-proxy/current; readlink /opt/envoy-k8s-proxy/previous || true');
const running = (n: string) => onHost(lab!, n, 'curl -s 127.0.0.1:10000/server_info | grep -o \'"version": *"[^"]*"\'');

describe.skipIf(!lab)('envoy releases on the lab', () => {
  beforeAll(async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--allow-downgrade']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
  });

  it('fetch mode host: each host downloads 1.35.1 from the mirror, verifies it, switches and restarts once', async () => {
    const { sha256: sum } = publishRelease(lab!.mirrorDir, '1.35.1');
    const inv = labInventory(
      lab!,
      (d) => (d.envoy = { ...d.envoy, version: '1.35.1', fetch: 'host', sha256: { x86_64: sum } }),
    );
    const starts = await Promise.all(names.map((n) => unitStart(lab!, n)));
    const r = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
    for (const [i, n] of names.entries()) {
      expect(await current(n)).toBe('releases/1.35.1\nreleases/1.35.0\n');
      expect(await unitStart(lab!, n)).not.toBe(starts[i]);
      expect(await running(n)).toContain('/1.35.1/');
    }
    // the control machine never fetched it: host mode leaves the cache alone
    expect(
      json(r.stdout)
        .results.filter((x) => x.task === 'envoy 1.35.1 binary')
        .every((x) => x.status === 'changed'),
    ).toBe(true);
  });

  it('refuses a downgrade unless asked', async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(r.code).toBe(1);
    // the canary fails; the gated rollout stops there and the other hosts are not touched
    const failed = json(r.stdout).results.filter((x) => x.status === 'failed');
    expect(failed.map((x) => x.host)).toEqual(['lb1']);
    expect(failed[0]!.error).toContain('refusing to downgrade Envoy from 1.35.1 to 1.35.0');
    expect(notReached(r.stdout)).toEqual(names.slice(1));
    expect(await current('lb1')).toBe('releases/1.35.1\nreleases/1.35.0\n');
  });

  it('rollback switches back to the previous release in one step and restarts', async () => {
    const r = await runCli(['rollback', '--hosts', lab!.inventoryPath]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (const n of names) {
      expect(await current(n)).toBe('releases/1.35.0\nreleases/1.35.1\n');
      expect(await running(n)).toContain('/1.35.0/');
    }
    // the inventory's version is what runs now: deploy has nothing to do
    const again = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(json(again.stdout).recap.map((h) => h.changed)).toEqual(names.map(() => 0));
  });

  for (const fetch of ['control', 'host'] as const) {
    it(`fetch mode ${fetch}: a checksum mismatch installs nothing on any host`, async () => {
      publishRelease(lab!.mirrorDir, '1.35.2');
      const wrong = sha256(standinBytes('1.35.9'));
      const inv = labInventory(
        lab!,
        (d) => (d.envoy = { ...d.envoy, version: '1.35.2', fetch, sha256: { x86_64: wrong } }),
      );
      const starts = await Promise.all(names.map((n) => unitStart(lab!, n)));
      const r = await runCli(['deploy', '--hosts', inv, '--json']);
      expect(r.code).toBe(1);
      const failed = json(r.stdout).results.filter((x) => x.status === 'failed');
      expect(failed.map((x) => x.host)).toEqual(['lb1']);
      for (const f of failed) expect(f.error).toMatch(/checksum mismatch/);
      expect(notReached(r.stdout)).toEqual(names.slice(1));
      for (const [i, n] of names.entries()) {
        expect(await onHost(lab!, n, 'ls /opt/envoy-k8s-proxy/releases')).toBe('1.35.0\n1.35.1\n');
        expect(await current(n)).toBe('releases/1.35.0\nreleases/1.35.1\n');
        expect(await unitStart(lab!, n)).toBe(starts[i]);
      }
    });
  }

  it("a config the host's envoy rejects leaves the old config active and the service untouched", async () => {
    const inv = await loadInventory(lab!.inventoryPath);
    // a bootstrap field Envoy does not know, plus a changed eds file that must not land either
    const broken = envoyConfigRole((i, h, o) =>
      renderConfigFiles(i, h, o).map((f) =>
        f.name === 'envoy.yaml'
          ? { ...f, content: `${f.content}not_a_bootstrap_field: 1\n` }
          : f.name.startsWith('eds_')
            ? { ...f, content: f.content.replace('16443', '16444') }
            : f,
      ),
    );
    const before = await Promise.all(names.map((n) => managedFiles(lab!, n)));
    const starts = await Promise.all(names.map((n) => unitStart(lab!, n)));
    const conns = new Connections((h) => connect(h));
    try {
      const res = await runPlay(
        { inv, hosts: inv.hosts, roles: [broken] },
        { check: false, diff: false, forks: 3, maxFailPercent: 100 },
        conns,
        () => {},
      );
      const failed = res.results.filter((x) => x.status === 'failed');
      expect(failed.map((x) => x.host).sort()).toEqual(names);
      expect(failed[0]!.error).toContain('the new configuration was rejected; the old one stays active');
      expect(failed[0]!.error).toContain('not_a_bootstrap_field');
    } finally {
      await conns.closeAll();
    }
    expect(await Promise.all(names.map((n) => managedFiles(lab!, n)))).toEqual(before);
    expect(await Promise.all(names.map((n) => unitStart(lab!, n)))).toEqual(starts);
    // and keepalived's notify script, the lab having a VIP
    expect(await onHost(lab!, 'lb1', 'ls -A /etc/envoy-k8s-proxy')).toBe(
      'cds.yaml\neds_k8s_cluster1.yaml\neds_k8s_cluster2.yaml\nenvoy.yaml\nlds.yaml\nvip-notify.sh\n',
    );
  });
});
