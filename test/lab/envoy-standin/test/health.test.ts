// The stand-in serving the tool's rendered health listener the way Envoy's health_check filter
// does: GET /healthz is 200 while every cluster has its minimum of healthy endpoints, 503 when one
// falls short or after the admin's POST /healthcheck/fail (until /healthcheck/ok), and every other
// path — admin paths included — is a 404 there. Loopback only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderConfigFiles } from '../../../../src/render/index.ts';
import { cluster, host, inventory } from '../../../unit/render/fixtures.ts';
import { freePort } from '../../../support/net.ts';
import { PY, SCRIPT, echoServer, runSync, sleep, type Echo } from './support.ts';

describe('envoy stand-in: the health listener', () => {
  let dir: string;
  let envoy: ChildProcess;
  let echoes: Echo[];
  let ports: { admin: number; health: number; k8s: number };
  let stderr = '';
  const healthz = (path = '/healthz', init?: RequestInit) => fetch(`http://127.0.0.1:${ports.health}${path}`, init);
  const admin = (path: string) => fetch(`http://127.0.0.1:${ports.admin}${path}`, { method: 'POST' });
  /** Polls until /healthz answers `status` (health checks run every 200 ms); the last status otherwise. */
  async function until(status: number, ms = 5000): Promise<number> {
    const end = Date.now() + ms;
    let last = 0;
    while (Date.now() < end) {
      last = await healthz().then(
        (r) => r.status,
        () => 0,
      );
      if (last === status) break;
      await sleep(100);
    }
    return last;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'standin-health-'));
    echoes = [await echoServer(), await echoServer()];
    ports = { admin: await freePort(), health: await freePort(), k8s: await freePort() };
    const inv = inventory({
      admin: { address: '127.0.0.1', port: ports.admin },
      metrics: { enabled: false, port: 9902 },
      healthListener: { enabled: true, port: ports.health, address: '127.0.0.1' },
      accessLog: { enabled: false, path: '/var/log/envoy-k8s-proxy/access.log' },
      rolling: { ...inventory().rolling, minHealthyEndpoints: 2 },
      clusters: [
        cluster(
          'k8s_cluster1',
          ports.k8s,
          echoes.map((e) => ({ host: '127.0.0.1', port: e.port })),
          {
            listenAddress: '127.0.0.1',
            healthCheck: { type: 'tcp', intervalMs: 200, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 1 },
          },
        ),
      ],
    });
    for (const f of renderConfigFiles(inv, host('lb1', '127.0.0.1'), { configDir: dir }))
      writeFileSync(join(dir, f.name), f.content);
    const v = runSync(['--mode', 'validate', '-c', join(dir, 'envoy.yaml')]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    envoy = spawn(
      PY,
      [SCRIPT, '--disable-hot-restart', '-c', join(dir, 'envoy.yaml'), '--concurrency', '1', '--log-level', 'info'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    envoy.stderr!.on('data', (d) => {
      stderr += d.toString();
    });
  });

  afterAll(async () => {
    envoy?.kill('SIGKILL');
    for (const e of echoes ?? []) await e.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 200 once both endpoints are healthy, with the node cluster named', async () => {
    expect(await until(200), stderr).toBe(200);
    const r = await healthz();
    expect(r.headers.get('x-envoy-upstream-healthchecked-cluster')).toBe('envoy-k8s-proxy');
    expect(await r.text()).toBe('');
  });

  it('answers 503 while a cluster is below its minimum (100 % of 2 here), 200 when it is back', async () => {
    const port = echoes[1]!.port;
    await echoes[1]!.close();
    expect(await until(503)).toBe(503);
    echoes[1] = await echoServer(port);
    expect(await until(200)).toBe(200);
  });

  it('answers 503 after POST /healthcheck/fail on the admin, 200 after /healthcheck/ok', async () => {
    expect((await admin('/healthcheck/fail')).status).toBe(200);
    const r = await healthz();
    expect(r.status).toBe(503);
    // The HTTP listeners drain while failed: checkers are told to reconnect.
    expect(r.headers.get('connection')).toBe('close');
    const other = await healthz('/ready');
    expect(other.status).toBe(404);
    expect(other.headers.get('x-envoy-immediate-health-check-fail')).toBe('true');
    expect((await admin('/healthcheck/ok')).status).toBe(200);
    expect((await healthz()).status).toBe(200);
  });

  it('answers 404 to every other path there, admin paths included', async () => {
    for (const [method, path] of [
      ['POST', '/healthcheck/fail'],
      ['POST', '/quitquitquit'],
      ['GET', '/ready'],
      ['GET', '/stats'],
      ['GET', '/healthz/'],
      ['GET', '/healthz?x=1'],
      ['GET', '/'],
    ] as const) {
      expect((await healthz(path, { method })).status, `${method} ${path}`).toBe(404);
    }
    expect((await healthz()).status).toBe(200);
    expect(envoy.exitCode).toBeNull();
  });
});
