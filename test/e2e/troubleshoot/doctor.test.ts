// doctor against the lab: a healthy fleet, then one fault at a time (API server down, config
// drift, service stopped), each undone afterwards so the next test starts healthy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip, sshRun, startApiserver, stopApiserver } from '../../lab/index.ts';
import type { FleetReport } from '../../../src/doctor/index.ts';
import { deploy, runCli } from '../support/cli.ts';

const lab = labOrSkip();

async function doctor(args: string[] = []): Promise<{ code: number | null; report: FleetReport; text: string }> {
  const r = await runCli(['doctor', '--hosts', lab!.inventoryPath, '--json', ...args]);
  if (!r.stdout.trim().startsWith('{'))
    throw new Error(`doctor exited ${r.code} without JSON:\n${r.stdout}\n${r.stderr}`);
  return { code: r.code, report: JSON.parse(r.stdout) as FleetReport, text: r.stdout };
}

const failing = (rep: FleetReport, host: string) =>
  rep.hosts.find((h) => h.host === host)!.checks.filter((c) => c.verdict === 'fail');

describe.skipIf(!lab)('doctor on the lab', () => {
  beforeAll(async () => {
    await deploy(lab!.inventoryPath);
  });
  afterAll(async () => {
    await startApiserver(16444).catch(() => undefined);
  });

  it('a healthy fleet: every line ok, exit 0, one round trip per host', async () => {
    const { code, report } = await doctor();
    const notOk = report.hosts.flatMap((h) =>
      h.checks.filter((c) => c.verdict !== 'ok').map((c) => `${h.host} ${c.id}: ${c.summary}`),
    );
    expect(notOk).toEqual([]);
    expect(code).toBe(0);
    expect(report.hosts.map((h) => h.host)).toEqual(lab!.hosts.map((h) => h.name));
    for (const h of report.hosts) {
      expect(h.roundTrips).toBe(1);
      expect(h.checks.map((c) => c.id)).toEqual(
        expect.arrayContaining([
          'ssh',
          'unit-active',
          'binary-sha256',
          'config',
          'listen:6443',
          'admin-port',
          'ready',
          'cluster:k8s_cluster1',
          'journal',
          'sandbox',
          'log-disk',
        ]),
      );
      const sandbox = h.checks.find((c) => c.id === 'sandbox')!;
      expect(sandbox.summary).toMatch(
        /^runs the reduced sandbox for containers \(without PrivateDevices, .*\) \(systemd-nspawn container, hardening: auto\); systemd-analyze security: \d+(\.\d+)? \w+$/,
      );
      expect(h.checks.find((c) => c.id === 'log-disk')!.summary).toMatch(
        /^\/var\/log\/envoy-k8s-proxy is on \/ \(overlay\), \d+% used, [\d.]+ [KMGT]iB free$/,
      );
    }
  });

  it('the log directory on a disk above 90 %: warns naming the mount and how full it is', async () => {
    const lb1 = lab!.hosts[0]!;
    const dir = '/var/log/envoy-k8s-proxy';
    // a small filesystem over the log directory, 95 % full (Envoy keeps writing to its open file below)
    const fill = `mount -t tmpfs -o size=1m ekp-test-full ${dir} && dd if=/dev/zero of=${dir}/filler bs=1k count=973 status=none`;
    const r = await sshRun(lab!, lb1.address, fill);
    expect(r.code, r.stderr).toBe(0);
    try {
      const { code, report } = await doctor(['--limit', lb1.name]);
      const disk = report.hosts[0]!.checks.find((c) => c.id === 'log-disk')!;
      expect(disk).toMatchObject({
        verdict: 'warn',
        summary: expect.stringMatching(
          /^\/var\/log\/envoy-k8s-proxy is on \/var\/log\/envoy-k8s-proxy \(ekp-test-full\), 9\d% used, \d+ KiB free$/,
        ),
      });
      expect(disk.fix).toContain('free space on /var/log/envoy-k8s-proxy');
      expect(code).toBe(0);
    } finally {
      await sshRun(lab!, lb1.address, `umount ${dir}`);
    }
  });

  it('an API server down: fails naming the endpoint and the reason, from every host', async () => {
    const ep = `${lab!.bridgeAddress}:16444`;
    await stopApiserver(16444);
    try {
      const { code, report } = await doctor();
      expect(code).toBe(1);
      for (const h of lab!.hosts) {
        const fails = failing(report, h.name);
        expect(fails.map((c) => c.id)).toEqual([`endpoint:k8s_cluster1:${ep}`]);
        expect(fails[0]!.title).toBe(`endpoint ${ep}`);
        expect(fails[0]!.summary).toMatch(/TCP connect failed after \d+ ms: Connection refused/);
        expect(fails[0]!.fix).toContain(ep);
      }
    } finally {
      await startApiserver(16444);
    }
  });

  it('config drift on one host: fails naming the file; the other hosts stay ok', async () => {
    const lb2 = lab!.hosts[1]!;
    await sshRun(lab!, lb2.address, `echo '# edited by hand' >> /etc/envoy-k8s-proxy/lds.yaml`);
    try {
      const { code, report } = await doctor();
      expect(code).toBe(1);
      const fails = failing(report, lb2.name);
      expect(fails.map((c) => c.id)).toEqual(['config']);
      expect(fails[0]!.summary).toBe('drift in lds.yaml');
      expect(fails[0]!.details).toEqual(['differs from the rendered file: /etc/envoy-k8s-proxy/lds.yaml']);
      expect(failing(report, lab!.hosts[0]!.name)).toEqual([]);
    } finally {
      await deploy(lab!.inventoryPath, lb2.name);
    }
  });

  it('the service stopped: unit, ports and admin API fail; --limit checks only that host', async () => {
    const lb3 = lab!.hosts[2]!;
    await sshRun(lab!, lb3.address, 'systemctl stop envoy-k8s-proxy');
    try {
      const { code, report } = await doctor(['--limit', lb3.name]);
      expect(code).toBe(1);
      expect(report.hosts.map((h) => h.host)).toEqual([lb3.name]);
      const ids = failing(report, lb3.name).map((c) => c.id);
      // the lab has a VIP: with Envoy down, keepalived's track script fails too (FAULT)
      expect(ids).toEqual(['unit-active', 'listen:6443', 'listen:6444', 'admin-port', 'admin', 'vip:vrrp']);
      const unit = failing(report, lb3.name)[0]!;
      expect(unit.summary).toBe('envoy-k8s-proxy.service is inactive (dead)');
      expect(unit.fix).toContain(`--limit ${lb3.name}`);
    } finally {
      await deploy(lab!.inventoryPath, lb3.name);
    }
  });

  it('text output: a checklist per host and exit 2 for bad input', async () => {
    const r = await runCli(['doctor', '--hosts', lab!.inventoryPath, '--limit', lab!.hosts[0]!.name]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        `^${lab!.hosts[0]!.name} \\(${lab!.hosts[0]!.address.replace(/\./g, '\\.')}\\) ok: \\d+ ok, 0 warn, 0 fail`,
      ),
    );
    expect(r.stdout).toMatch(/\n {2}ok {4}endpoint [\d.]+:16443 +TCP \d+ ms, TLS \d+ ms, GET \/readyz 200 "ok"/);
    expect((await runCli(['doctor', '--hosts', lab!.inventoryPath, '--limit', 'nosuchhost'])).code).toBe(2);
  });
});
