// The engine against real hosts, beyond the happy path: a non-root user with sudo (become) gets a
// fresh install including the binary upload, an unreachable host fails alone while the others
// converge, and --limit touches only the hosts it names.
import { describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { labInventory, onHost, runCli, unitStart } from '../support/cli.ts';

const lab = labOrSkip();
const json = (s: string) =>
  JSON.parse(s) as { recap: { host: string; changed: number; failed: number; unreachable: boolean; error?: string }[] };

describe.skipIf(!lab)('engine on the lab', () => {
  it('become: a non-root user with sudo installs from scratch, then the next run is all ok', async () => {
    const u = await runCli(['uninstall', '--hosts', lab!.inventoryPath, '--limit', 'lb1', '--purge']);
    expect(u.code, u.stderr).toBe(0);
    const inv = labInventory(lab!, (d) => (d.ssh = { ...d.ssh, user: 'ops', become: true }));
    const first = await runCli(['deploy', '--hosts', inv, '--limit', 'lb1', '--json']);
    expect(first.code, first.stderr + first.stdout.slice(-1500)).toBe(0);
    expect(json(first.stdout).recap[0]!.changed).toBeGreaterThan(5);
    expect(
      (
        await onHost(
          lab!,
          'lb1',
          'systemctl is-active envoy-k8s-proxy; stat -c %U /opt/envoy-k8s-proxy/releases/1.35.0/envoy; ls -A ~ops',
        )
      )
        .split('\n')
        .slice(0, 2),
    ).toEqual(['active', 'root']);
    expect(await onHost(lab!, 'lb1', 'ls -A ~ops/.ekp-upload 2>/dev/null || echo gone')).toBe('gone\n');
    const second = await runCli(['deploy', '--hosts', inv, '--limit', 'lb1', '--json']);
    expect(json(second.stdout).recap[0]!.changed).toBe(0);
  });

  it('an unreachable host fails alone; the others converge; exit code 3', async () => {
    const subnet = lab!.bridgeAddress.replace(/\.1$/, '');
    const inv = labInventory(lab!, (d) => {
      d.ssh.connectTimeout = '2s';
      d.hosts.push({ name: 'lb9', address: `${subnet}.99` }); // on the lab's own bridge, nothing answers
    });
    const r = await runCli(['deploy', '--hosts', inv, '--json']);
    expect(r.code).toBe(3);
    const recap = json(r.stdout).recap;
    expect(recap.find((h) => h.host === 'lb9')).toMatchObject({ unreachable: true });
    expect(recap.find((h) => h.host === 'lb9')!.error).toMatch(/^lb9: cannot connect to .*99:22/);
    expect(recap.filter((h) => h.host !== 'lb9').every((h) => h.failed === 0 && !h.unreachable)).toBe(true);
  });

  it('--limit touches only the named hosts', async () => {
    const starts = await Promise.all(['lb2', 'lb3'].map((n) => unitStart(lab!, n)));
    const inv = labInventory(lab!, (d) => (d.admin = { port: 10002 }));
    const r = await runCli(['deploy', '--hosts', inv, '--limit', 'lb1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r.stdout).recap.map((h) => h.host)).toEqual(['lb1']);
    expect(await Promise.all(['lb2', 'lb3'].map((n) => unitStart(lab!, n)))).toEqual(starts);
    expect(await onHost(lab!, 'lb1', 'curl -s 127.0.0.1:10002/ready')).toBe('LIVE\n');
    const back = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--limit', 'lb1']);
    expect(back.code, back.stderr).toBe(0);
  });

  it('a glob in --limit that matches nothing is bad input, and nothing is contacted', async () => {
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--limit', 'db*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no host matches "db*" (hosts: lb1, lb2, lb3)');
  });

  it("validate --remote checks each host's rendered config with the host's own envoy, read-only", async () => {
    const r = await runCli(['validate', '--hosts', lab!.inventoryPath, '--remote']);
    expect(r.code, r.stderr).toBe(0);
    for (const n of ['lb1', 'lb2', 'lb3']) expect(r.stdout).toContain(`${n}: OK with the host's envoy --mode validate`);
    expect(await onHost(lab!, 'lb1', 'ls -A /tmp | grep -c ekp-validate || true')).toBe('0\n');
  });

  it('one changing run at a time per host: a held run lock fails that host, naming the holder', async () => {
    // another operator's run holds lb1 until we end it; ours waits 10 s, then gives up on lb1 only
    // (no race with the holder's own end: it holds for as long as the test needs)
    await onHost(
      lab!,
      'lb1',
      "mkdir -p -m 700 /run/envoy-k8s-proxy; setsid nohup flock /run/envoy-k8s-proxy/run.lock sh -c 'echo ops@laptop > /run/envoy-k8s-proxy/run.lock; exec sleep 300' >/dev/null 2>&1 & echo $! > /run/ekp-test-holder.pid",
    );
    const r = await runCli(['deploy', '--hosts', lab!.inventoryPath, '--json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as {
      results: { host: string; status: string; error?: string }[];
      recap: { host: string; failed: number }[];
    };
    expect(out.results.find((x) => x.host === 'lb1')).toMatchObject({
      status: 'failed',
      error: 'lb1: another envoy-k8s-proxy run holds /run/envoy-k8s-proxy/run.lock: ops@laptop',
    });
    expect(out.recap.filter((h) => h.failed > 0).map((h) => h.host)).toEqual(['lb1']);
    // released when its holder ends (we end it now); our own lock never outlives the run
    await onHost(lab!, 'lb1', 'kill -- -"$(cat /run/ekp-test-holder.pid)"; rm -f /run/ekp-test-holder.pid');
    const again = await runCli(['deploy', '--hosts', lab!.inventoryPath]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(await onHost(lab!, 'lb1', "pgrep -fc '[r]un[.]lock' || true")).toBe('0\n');
  });
});
