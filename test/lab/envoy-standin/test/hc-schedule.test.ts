// The stand-in's active health checker against Envoy's documented scheduling
// (config/core/v3/health_check.proto): one kept connection between checks (`reuse_connection`),
// an idle cluster checked at `no_traffic_interval` (60 s by default), a hung upstream out after
// `unhealthy_threshold` timeouts with `active_hc_timeout` set only beside `failed_active_hc`, and
// back after `healthy_threshold` successes. Loopback only; bounds are liveness bounds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../support/net.ts';
import { PY, SCRIPT, sa, sleep } from './support.ts';

/** An HTTP /readyz upstream that can hang: new connections held, requests on open ones unanswered. */
async function readyz() {
  const counts = { connections: 0, requests: 0 };
  let hung = false;
  const held: net.Socket[] = [];
  const stalled: (() => void)[] = [];
  const http = createServer(function answer(req, res) {
    if (hung) return void stalled.push(() => answer(req, res));
    counts.requests++;
    res.writeHead(200, { 'content-length': 2 }).end('ok');
  });
  const front = net.createServer((sock) => {
    counts.connections++;
    sock.on('error', () => undefined);
    if (hung) held.push(sock);
    else http.emit('connection', sock);
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
  return {
    port: (front.address() as net.AddressInfo).port,
    counts,
    hang(on: boolean) {
      hung = on;
      if (on) return;
      for (const s of held.splice(0)) http.emit('connection', s);
      for (const go of stalled.splice(0)) go();
    },
    close: () => {
      for (const s of held) s.destroy();
      http.closeAllConnections();
      front.close();
    },
  };
}

const check = (extra: Record<string, unknown>) => ({
  timeout: '0.3s',
  interval: '0.2s',
  healthy_threshold: 2,
  unhealthy_threshold: 2,
  http_health_check: { path: '/readyz' },
  ...extra,
});
const staticCluster = (name: string, port: number, hc: Record<string, unknown>) => ({
  name,
  type: 'STATIC',
  connect_timeout: '0.5s',
  load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: sa(port) } }] }] },
  health_checks: [hc],
});

describe('envoy stand-in: health-check scheduling as Envoy does it', () => {
  let dir: string;
  let envoy: ChildProcess;
  let adminPort: number;
  let busy: Awaited<ReturnType<typeof readyz>>;
  let idle: Awaited<ReturnType<typeof readyz>>;
  const admin = async (path: string) => (await fetch(`http://127.0.0.1:${adminPort}${path}`)).text();
  const flags = async (cluster: string) =>
    /::health_flags::(\S+)/.exec(
      (await admin('/clusters')).split('\n').find((l) => l.startsWith(`${cluster}::`) && l.includes('health_flags')) ??
        '',
    )?.[1];
  const stat = async (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(await admin('/stats'))?.[1]);
  /** Polls the flags every 20 ms until `want`; returns every distinct value seen on the way. */
  async function flagsUntil(cluster: string, want: (f: string) => boolean, ms = 10_000): Promise<string[]> {
    const seen: string[] = [];
    const end = Date.now() + ms;
    while (Date.now() < end) {
      // undefined until the stand-in's admin answers
      const f = (await flags(cluster).catch(() => undefined)) ?? '';
      if (f && seen.at(-1) !== f) seen.push(f);
      if (want(f)) return seen;
      await sleep(20);
    }
    throw new Error(`${cluster}: not within ${ms} ms; flags seen: ${seen.join(' → ')}`);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'standin-hc-'));
    busy = await readyz();
    idle = await readyz();
    adminPort = await freePort();
    const config = {
      admin: { address: sa(adminPort) },
      static_resources: {
        clusters: [
          staticCluster('busy', busy.port, check({ no_traffic_interval: '0.2s' })),
          staticCluster('idle', idle.port, check({})),
        ],
      },
    };
    writeFileSync(join(dir, 'envoy.yaml'), JSON.stringify(config));
    envoy = spawn(PY, [SCRIPT, '--disable-hot-restart', '-c', join(dir, 'envoy.yaml'), '--log-level', 'warn'], {
      stdio: 'ignore',
    });
    await flagsUntil('busy', (f) => f === 'healthy');
  });
  afterAll(() => {
    envoy?.kill('SIGKILL');
    busy?.close();
    idle?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one connection between checks (reuse_connection defaults to true)', async () => {
    const before = busy.counts.requests;
    while (busy.counts.requests < before + 4) await sleep(50);
    expect(busy.counts.connections).toBe(1);
  });

  it('checks a cluster that never had traffic at no_traffic_interval, 60 s unless set', async () => {
    while (idle.counts.requests === 0) await sleep(50); // its first check, at start
    await sleep(1000);
    expect(await stat('cluster.idle.health_check.attempt')).toBe(1);
    expect(idle.counts.requests).toBe(1);
    expect(await stat('cluster.busy.health_check.attempt')).toBeGreaterThan(3);
  });

  it('takes a hung upstream out after two timeouts, flagging the timeout only once it is out', async () => {
    const failures = await stat('cluster.busy.health_check.network_failure');
    busy.hang(true);
    const out = await flagsUntil('busy', (f) => f.includes('failed_active_hc'));
    expect(out).toEqual(['healthy', '/failed_active_hc/active_hc_timeout']);
    expect((await stat('cluster.busy.health_check.network_failure')) - failures).toBe(2);
    busy.hang(false);
    const back = await flagsUntil('busy', (f) => f === 'healthy');
    // one success of two leaves it out, timeout flag and all, until the second
    expect(back).toEqual(['/failed_active_hc/active_hc_timeout', 'healthy']);
  });
});
