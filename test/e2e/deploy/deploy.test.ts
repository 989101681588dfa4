// Deploy on real lab hosts (systemd, sshd, the stand-in served as a release): a fresh deploy serves
// traffic, a second one changes nothing, an endpoint change reloads without a restart, a bootstrap
// change restarts each host once, plan changes nothing, uninstall leaves no trace.
import { describe, expect, it, beforeAll } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { labInventory, managedFiles, onHost, runCli, TRACE, unitStart } from '../support/cli.ts';
import { servedBy, throughLb } from '../support/traffic.ts';

const lab = labOrSkip();
const names = lab?.hosts.map((h) => h.name) ?? [];
const addr = (name: string) => lab!.hosts.find((h) => h.name === name)!.address;
const recap = (stdout: string) =>
  JSON.parse(stdout) as {
    recap: { host: string; changed: number; failed: number; ok: number; roundTrips: number }[];
    results: { host: string; task: string; status: string; role: string }[];
  };

async function eventually(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe.skipIf(!lab)('deploy on the lab', () => {
  let clean = '';

  beforeAll(async () => {
    // start from hosts without the tool, whatever earlier test files did
    const u = await runCli(['uninstall', '--hosts', lab!.inventoryPath, '--purge', '--json']);
    expect(u.code, u.stderr).toBe(0);
    clean = await onHost(lab!, 'lb3', TRACE);
  });

  it('a fresh deploy converges every host and serves TLS passthrough traffic', async () => {
    // nothing served before the run: the whole fleet is one gated batch
    const p = await runCli(['plan', '--hosts', lab!.inventoryPath]);
    const fleet = names.map((n) => `${n} \\([^)]*\\)`).join(', ');
    expect(p.stdout).toMatch(new RegExp(`^ +batch 1 \\(not serving before the run: together\\): ${fleet}$`, 'm'));
    expect(p.stdout).toContain(`would roll out to ${names.length} host(s) in 1 gated batch(es):`);
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
    const out = recap(r.stdout);
    expect(out.recap.map((h) => h.failed)).toEqual(names.map(() => 0));
    expect(out.recap.every((h) => h.changed > 0)).toBe(true);
    for (const n of names) {
      expect((await onHost(lab!, n, 'systemctl is-active envoy-k8s-proxy')).trim()).toBe('active');
      expect(await throughLb(addr(n), 6443, '/readyz')).toMatch(/\r\n\r\nok$/);
      expect(await servedBy(addr(n), 6444)).toBe('apiserver-16445');
    }
  });

  it('binds the admin interface to loopback only and runs envoy as an unprivileged user', async () => {
    const listen = await onHost(lab!, 'lb1', 'ss -ltnH');
    expect(listen).toMatch(/127\.0\.0\.1:10000\s/);
    expect(listen).not.toMatch(/(0\.0\.0\.0|\*|\[::\]):10000\s/);
    expect(
      (await onHost(lab!, 'lb1', 'ps -o user= -p "$(systemctl show envoy-k8s-proxy -p MainPID --value)"')).trim(),
    ).toBe('envoy');
    expect(await onHost(lab!, 'lb1', 'curl -s 127.0.0.1:10000/ready')).toBe('LIVE\n');
  });

  it('a container host gets the reduced sandbox; the full one, when asked for, runs there too', async () => {
    const unit = '/etc/systemd/system/envoy-k8s-proxy.service';
    const exposure = async () =>
      Number(
        /exposure level for \S+: ([\d.]+)/.exec(
          await onHost(lab!, 'lb1', 'systemd-analyze security --no-pager envoy-k8s-proxy.service | tail -n1'),
        )?.[1],
      );
    expect(await onHost(lab!, 'lb1', `systemd-detect-virt --container; grep '^# Sandbox' ${unit}`)).toMatch(
      /^systemd-nspawn\n# Sandbox: container \(/,
    );
    const reduced = await exposure();
    const full = labInventory(
      lab!,
      (d) => (d.hosts.find((h: { name: string }) => h.name === 'lb1').hardening = 'full'),
    );
    const r = await runCli(['deploy', '--hosts', full, '--limit', 'lb1']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
    // verify prints nothing for a unit without problems
    expect(
      await onHost(
        lab!,
        'lb1',
        `grep '^# Sandbox' ${unit}; systemd-analyze verify ${unit} 2>&1; systemctl is-active envoy-k8s-proxy`,
      ),
    ).toBe('# Sandbox: full\nactive\n');
    expect(await throughLb(addr('lb1'), 6443, '/readyz')).toMatch(/\r\n\r\nok$/);
    expect(await exposure()).toBeLessThan(reduced);
    const back = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--limit', 'lb1']);
    expect(back.code, back.stderr).toBe(0);
    expect(await onHost(lab!, 'lb1', `grep -c '^# Sandbox: container' ${unit}`)).toBe('1\n');
  });

  it('a killed Envoy is started again, each time', async () => {
    const restarts = async () =>
      Number((await onHost(lab!, 'lb3', 'systemctl show envoy-k8s-proxy -p NRestarts --value')).trim());
    const first = await restarts();
    for (let i = 0; i < 3; i++) {
      await onHost(
        lab!,
        'lb3',
        'p=$(systemctl show envoy-k8s-proxy -p MainPID --value); [ "$p" -gt 1 ] && kill -9 "$p"',
      );
      await eventually(
        `restart ${i + 1}`,
        async () => (await onHost(lab!, 'lb3', 'curl -s 127.0.0.1:10000/ready || true')) === 'LIVE\n',
        20_000,
      );
    }
    expect(await restarts()).toBe(first + 3);
  });

  it('logrotate rotates the access log and Envoy writes its new lines to the new file', async () => {
    const log = '/var/log/envoy-k8s-proxy/access.log';
    const lines = async (f: string) => Number((await onHost(lab!, 'lb2', `cat ${f} 2>/dev/null | wc -l`)).trim());
    // two lines per connection (one at connect, flush_access_log_on_connected, one at the end);
    // Envoy flushes its buffer every 10 s by default, so earlier cases' lines may land at any time
    const base = await lines(log);
    for (let i = 0; i < 3; i++) await throughLb(addr('lb2'), 6443, '/readyz');
    await eventually('our lines before the rotation', async () => (await lines(log)) >= base + 6, 20_000);
    const before = await lines(log);
    await onHost(lab!, 'lb2', 'logrotate -f /etc/logrotate.d/envoy-k8s-proxy');
    // everything written before the rename is in the rotated file (a flush may have added to it)
    const rotated = await lines(`${log}.1`);
    expect(rotated).toBeGreaterThanOrEqual(before);
    for (let i = 0; i < 2; i++) await throughLb(addr('lb2'), 6443, '/readyz');
    await eventually('lines in the new file', async () => (await lines(log)) >= 4, 20_000);
    // after the reopen, Envoy writes only to the new file
    expect(await lines(`${log}.1`)).toBe(rotated);
    expect(await onHost(lab!, 'lb2', `stat -c '%U:%G %a' ${log}`)).toBe('envoy:envoy 640\n');
  });

  it('a second deploy changes nothing, in one round trip per host', async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = recap(r.stdout);
    expect(out.recap.map((h) => h.changed)).toEqual(names.map(() => 0));
    expect(out.recap.every((h) => h.roundTrips <= 2)).toBe(true);
  });

  it('plan shows the diff of an endpoint change and touches nothing', async () => {
    const inv = labInventory(lab!, (d) => (d.clusters[0].endpoints = [d.clusters[0].endpoints[1]]));
    const before = await Promise.all(names.map((n) => managedFiles(lab!, n)));
    const r = await runCli(['plan', '--hosts', inv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('--- a/etc/envoy-k8s-proxy/eds_k8s_cluster1.yaml');
    expect(r.stdout).toMatch(/^-\s+port_value: 16443$/m);
    expect(r.stdout).toContain('check mode: nothing was changed');
    expect(await Promise.all(names.map((n) => managedFiles(lab!, n)))).toEqual(before);
  });

  it('an endpoint change renames only the eds file: no restart, new connections go to the new endpoint', async () => {
    const starts = await Promise.all(names.map((n) => unitStart(lab!, n)));
    const inv = labInventory(lab!, (d) => (d.clusters[0].endpoints = [d.clusters[0].endpoints[1]]));
    const r = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const changed = recap(r.stdout).results.filter((x) => x.status === 'changed');
    expect(new Set(changed.map((x) => x.task))).toEqual(new Set(['envoy configuration']));
    expect(await Promise.all(names.map((n) => unitStart(lab!, n)))).toEqual(starts);
    // Envoy picks the renamed file up by itself; the new endpoint is health-checked first
    await expect
      .poll(
        async () =>
          (await onHost(lab!, 'lb1', 'curl -s 127.0.0.1:10000/clusters')).match(
            /k8s_cluster1::[^:]+:\d+::health_flags/g,
          )?.length,
        { timeout: 15_000 },
      )
      .toBe(1);
    for (let i = 0; i < 4; i++) expect(await servedBy(addr('lb1'), 6443)).toBe('apiserver-16444');
    // and back
    const back = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(back.code).toBe(0);
    expect(await Promise.all(names.map((n) => unitStart(lab!, n)))).toEqual(starts);
  });

  it('a bootstrap change restarts each host exactly once, one at a time', async () => {
    const starts = await Promise.all(names.map((n) => unitStart(lab!, n)));
    const inv = labInventory(lab!, (d) => (d.admin = { port: 10001 }));
    const r = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
    const handlers = recap(r.stdout).results.filter((x) => x.role === 'handlers');
    expect(handlers.map((x) => `${x.host}:${x.status}`).sort()).toEqual(names.map((n) => `${n}:changed`));
    const after = await Promise.all(names.map((n) => unitStart(lab!, n)));
    after.forEach((s, i) => expect(s).not.toEqual(starts[i]));
    expect(await onHost(lab!, 'lb2', 'curl -s 127.0.0.1:10001/ready')).toBe('LIVE\n');
    const back = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(back.code, back.stderr).toBe(0);
  });

  it('a unit-only change (log level) reloads systemd and restarts each host', async () => {
    const starts = await Promise.all(names.map((n) => unitStart(lab!, n)));
    const inv = labInventory(lab!, (d) => (d.envoy = { ...d.envoy, logLevel: 'debug' }));
    const r = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
    const changed = recap(r.stdout)
      .results.filter((x) => x.host === 'lb1' && x.status === 'changed')
      .map((x) => x.task);
    expect(changed).toEqual(['systemd unit', 'service enabled', 'restart envoy-k8s-proxy']);
    const after = await Promise.all(names.map((n) => unitStart(lab!, n)));
    after.forEach((s, i) => expect(s).not.toEqual(starts[i]));
    expect(await onHost(lab!, 'lb1', 'systemctl show envoy-k8s-proxy -p ExecStart --value')).toContain(
      '--log-level debug',
    );
    expect((await runCli(['deploy', '--hosts', lab!.inventoryPath])).code).toBe(0);
  });

  it('a restart an earlier run never got to (bootstrap newer than the process) happens on the next deploy', async () => {
    const starts = await Promise.all(names.map((n) => unitStart(lab!, n)));
    // as if a run was cut off after renaming envoy.yaml into place, before its restart
    await onHost(lab!, 'lb2', 'sleep 1; touch /etc/envoy-k8s-proxy/envoy.yaml');
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(r.code, r.stderr + r.stdout.slice(-1500)).toBe(0);
    const changed = recap(r.stdout)
      .results.filter((x) => x.status === 'changed')
      .map((x) => `${x.host}:${x.task}`);
    expect(changed).toEqual(['lb2:restart pending', 'lb2:restart envoy-k8s-proxy']);
    const after = await Promise.all(names.map((n) => unitStart(lab!, n)));
    expect(after[0]).toBe(starts[0]);
    expect(after[1]).not.toBe(starts[1]);
    expect(after[2]).toBe(starts[2]);
    const again = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(recap(again.stdout).recap.map((h) => h.changed)).toEqual(names.map(() => 0));
  });

  it('uninstall --purge leaves the host as it was before the first install', async () => {
    const r = await runCli(['uninstall', '--hosts', lab!.inventoryPath, '--limit', 'lb3', '--purge']);
    expect(r.code, r.stderr).toBe(0);
    expect(await onHost(lab!, 'lb3', TRACE)).toEqual(clean);
    const again = await runCli(['uninstall', '--hosts', lab!.inventoryPath, '--limit', 'lb3', '--purge', '--json']);
    expect(recap(again.stdout).recap[0]!.changed).toBe(0);
    const redeploy = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--limit', 'lb3']);
    expect(redeploy.code, redeploy.stderr).toBe(0);
  });
});
