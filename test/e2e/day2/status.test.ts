// status against the lab: healthy, a stopped service, drifted config, an unreachable host, --json.
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip, startHost, stopHost } from '../../lab/index.ts';
import type { HostStatus } from '../../../src/ops/status.ts';
import { deploy, onHost, runCli } from '../support/cli.ts';

const lab = labOrSkip();

describe.skipIf(!lab)('status', () => {
  const inv = lab!.inventoryPath;
  beforeAll(async () => deploy(lab!.inventoryPath));

  const row = (stdout: string, host: string) => stdout.split('\n').find((l) => l.startsWith(`${host} `)) ?? '';

  it('a healthy fleet: one row per host, exit 0', async () => {
    const r = await runCli(['status', '--hosts', inv]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /^HOST +HEALTH +UNIT +VERSION +UPTIME +LISTENERS +k8s_cluster1 +k8s_cluster2 +CONFIG +LAST START/,
    );
    for (const h of lab!.hosts)
      expect(row(r.stdout, h.name)).toMatch(/ healthy +active since \S+ +1\.35\.0 +\S+ +2\/2 +2\/2 +1\/1 +in sync /);
    expect(r.stdout).toContain(
      `${lab!.hosts.length} hosts: ${lab!.hosts.length} healthy, 0 degraded, 0 down, 0 unreachable`,
    );
  });

  it('--json: one document with the summary and every host', async () => {
    const r = await runCli(['status', '--hosts', inv, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      exitCode: number;
      summary: Record<string, number>;
      clusters: string[];
      hosts: HostStatus[];
    };
    expect(doc).toMatchObject({
      exitCode: 0,
      summary: { hosts: 3, healthy: 3, degraded: 0, down: 0, unreachable: 0 },
      clusters: ['k8s_cluster1', 'k8s_cluster2'],
    });
    const h = doc.hosts[0]!;
    expect(h).toMatchObject({
      host: 'lb1',
      health: 'healthy',
      problems: [],
      ready: 'LIVE',
      listeners: { up: 2, expected: 2 },
      drift: { state: 'in-sync', drifted: [], missing: [] },
    });
    expect(h.version).toEqual({ binary: '1.35.0', running: '1.35.0', inventory: '1.35.0' });
    expect(h.clusters).toEqual([
      { name: 'k8s_cluster1', healthy: 2, total: 2, activeConnections: expect.any(Number) },
      { name: 'k8s_cluster2', healthy: 1, total: 1, activeConnections: expect.any(Number) },
    ]);
    expect(h.activeConnections).toBe(h.clusters!.reduce((n, c) => n + c.activeConnections!, 0));
    expect(h.unit).toMatchObject({ activeState: 'active', loadState: 'loaded' });
    expect(h.unit!.mainPid).toBeGreaterThan(0);
  });

  it('a stopped service: that host is down, exit 1', async () => {
    await onHost(lab!, 'lb2', 'systemctl stop envoy-k8s-proxy');
    try {
      const r = await runCli(['status', '--hosts', inv]);
      expect(r.code).toBe(1);
      expect(row(r.stdout, 'lb2')).toMatch(/ down +inactive\/dead since /);
      expect(r.stdout).toContain('lb2: unit inactive (dead)');
      expect(row(r.stdout, 'lb1')).toMatch(/ healthy /);
    } finally {
      await onHost(lab!, 'lb2', 'systemctl start envoy-k8s-proxy');
    }
  });

  it('config edited on a host: drifted, naming the file; deploy puts it back', async () => {
    await onHost(lab!, 'lb3', "echo '# hand edit' >> /etc/envoy-k8s-proxy/cds.yaml");
    const r = await runCli(['status', '--hosts', inv]);
    expect(r.code).toBe(1);
    expect(row(r.stdout, 'lb3')).toMatch(/ degraded .* drifted \(cds\.yaml\) /);
    expect(r.stdout).toContain('lb3: config drift: cds.yaml');
    await deploy(lab!.inventoryPath);
    expect((await runCli(['status', '--hosts', inv])).code).toBe(0);
  });

  it('an unreachable host is a row with the reason, exit 3; the others are still read', async () => {
    await stopHost('lb3');
    try {
      const t0 = Date.now();
      const r = await runCli(['status', '--hosts', inv]);
      expect(r.code).toBe(3);
      expect(row(r.stdout, 'lb3')).toMatch(/^lb3 +unreachable +- /);
      expect(r.stdout).toMatch(/^lb3: cannot connect to /m);
      expect(row(r.stdout, 'lb1')).toMatch(/ healthy /);
      expect(Date.now() - t0).toBeLessThan(15_000); // bounded by the inventory's 5s connect timeout
    } finally {
      await startHost('lb3');
    }
    // Enabled at boot: it serves again without us.
    await expect
      .poll(async () => (await runCli(['status', '--hosts', inv, '--limit', 'lb3'])).code, {
        timeout: 20_000,
        interval: 1000,
      })
      .toBe(0);
  });
});
