// admin against the lab: the tunnel serves the host's loopback admin API on a local port and closes
// on SIGINT; `admin GET` fetches from every host with host-prefixed lines.
import { connect as tcpConnect } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { labOrSkip } from '../../lab/index.ts';
import { deploy, exited, runCli, spawnCli, waitForOutput } from '../support/cli.ts';
import { freePort } from '../../support/net.ts';

const lab = labOrSkip();

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tcpConnect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

describe.skipIf(!lab)('admin on the lab', () => {
  beforeAll(async () => {
    await deploy(lab!.inventoryPath);
  });

  it('the tunnel serves /ready through the forward and closes on SIGINT with exit 0', async () => {
    const lb1 = lab!.hosts[0]!.name;
    const child = spawnCli(['admin', '--hosts', lab!.inventoryPath, '--limit', lb1]);
    try {
      const m = await waitForOutput(child, /at http:\/\/127\.0\.0\.1:(\d+)\//);
      const port = Number(m[1]);
      // the second line may arrive in a later chunk than the first
      await waitForOutput(child, new RegExp(`^${lb1}: /ready 200 LIVE; Ctrl-C closes the tunnel$`, 'm'));
      const res = await fetch(`http://127.0.0.1:${port}/ready`);
      expect(res.status).toBe(200);
      expect((await res.text()).trim()).toBe('LIVE');
      const info = (await (await fetch(`http://127.0.0.1:${port}/server_info`)).json()) as { state: string };
      expect(info.state).toBe('LIVE');
      child.kill('SIGINT');
      expect(await exited(child)).toBe(0);
      expect(child.out().stdout).toContain(`${lb1}: tunnel closed`);
      expect(await portOpen(port)).toBe(false);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('the tunnel on a chosen --port; more than one host is a usage error', async () => {
    const r = await runCli(['admin', '--hosts', lab!.inventoryPath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs exactly one host, 3 selected \(lb1, lb2, lb3\): add --limit <host>/);
    const port = await freePort();
    const child = spawnCli(['admin', '--hosts', lab!.inventoryPath, '--limit', 'lb2', '--port', String(port)]);
    try {
      await waitForOutput(child, new RegExp(`at http://127\\.0\\.0\\.1:${port}/`));
      expect((await (await fetch(`http://127.0.0.1:${port}/ready`)).text()).trim()).toBe('LIVE');
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('GET /clusters: every line prefixed by the padded host name, every host answers', async () => {
    const r = await runCli(['admin', '--hosts', lab!.inventoryPath, 'GET', '/clusters']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // the API-server clusters, and the metrics listener's route to the admin interface
    for (const line of lines) expect(line).toMatch(/^lb\d {2}(k8s_cluster\d|metrics_admin)::/);
    for (const h of lab!.hosts) {
      expect(lines).toContain(`${h.name}  k8s_cluster1::${lab!.bridgeAddress}:16443::health_flags::healthy`);
    }
  });

  it('GET of an unknown path exits 1; only GET is accepted', async () => {
    const bad = await runCli(['admin', '--hosts', lab!.inventoryPath, '--limit', 'lb1', 'GET', '/no-such-endpoint']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^lb1 {2}error: HTTP 404$/m);
    const post = await runCli(['admin', '--hosts', lab!.inventoryPath, 'POST', '/quitquitquit']);
    expect(post.code).toBe(2);
    expect(post.stderr).toContain('only GET is allowed');
    const json = await runCli(['admin', '--hosts', lab!.inventoryPath, '--limit', 'lb1', '--json', 'GET', '/ready']);
    expect(JSON.parse(json.stdout)).toMatchObject({
      path: '/ready',
      hosts: [{ host: 'lb1', ok: true, status: 200, body: 'LIVE\n' }],
    });
  });
});
