// The stand-in's hot restart, as Envoy's: epoch 1 takes epoch 0's listening sockets over a unix
// socket (no connection refused while both start and stop), shuts epoch 0's admin down and binds
// it itself, has epoch 0 stop accepting, and ends it after --parent-shutdown-time-s (exit 0, its
// connections closed with a FIN). Two processes on one base id and epoch: the second fails.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderConfigFiles } from '../../../../src/render/index.ts';
import { cluster, host, inventory } from '../../../unit/render/fixtures.ts';
import { freePort } from '../../../support/net.ts';
import { PY, SCRIPT, echoServer, sleep, type Echo } from './support.ts';

// a base id of this test's own: other tests' stand-ins run with hot restart off, or elsewhere
const BASE_ID = String(1000 + (process.pid % 50_000));

describe('envoy stand-in: hot restart', () => {
  let dir: string;
  let echo: Echo;
  let ports: { admin: number; k8s: number };
  const procs: ChildProcess[] = [];
  const start = (epoch: number, extra: string[] = []) => {
    const p = spawn(
      PY,
      [SCRIPT, '-c', join(dir, 'envoy.yaml'), '--base-id', BASE_ID, '--restart-epoch', String(epoch), ...extra],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    p.stderr!.on('data', (d) => (err += String(d)));
    const exited = new Promise<{ code: number | null; err: string }>((r) => p.on('exit', (code) => r({ code, err })));
    procs.push(p);
    return { p, exited, err: () => err };
  };
  const serverInfo = async () =>
    (await fetch(`http://127.0.0.1:${ports.admin}/server_info`).then((r) => r.json())) as {
      state: string;
      command_line_options: { restart_epoch: number };
    };
  /** One connection through the listener: 'ok' when the echo answered, else the error code. */
  const attempt = () =>
    new Promise<string>((resolve) => {
      const s = connect(ports.k8s, '127.0.0.1', () => s.write('ping'));
      s.setTimeout(3000, () => (s.destroy(), resolve('timeout')));
      s.once('data', () => (s.end(), resolve('ok')));
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'standin-hot-restart-'));
    echo = await echoServer();
    ports = { admin: await freePort(), k8s: await freePort() };
    const inv = inventory({
      admin: { address: '127.0.0.1', port: ports.admin },
      metrics: { enabled: false, port: 9902 },
      healthListener: { enabled: false, port: 8081, address: '127.0.0.1' },
      accessLog: { enabled: false, path: '/var/log/envoy-k8s-proxy/access.log' },
      clusters: [
        cluster('k8s_cluster1', ports.k8s, [{ host: '127.0.0.1', port: echo.port }], { listenAddress: '127.0.0.1' }),
      ],
    });
    for (const f of renderConfigFiles(inv, host('lb1', '127.0.0.1'), { configDir: dir }))
      writeFileSync(join(dir, f.name), f.content);
  });

  afterAll(async () => {
    for (const p of procs) p.kill('SIGKILL');
    await echo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the listening sockets to the next epoch: no connection refused, the parent leaves with 0', async () => {
    const e0 = start(0, ['--drain-time-s', '1', '--parent-shutdown-time-s', '2']);
    for (let i = 0; i < 100 && (await attempt()) !== 'ok'; i++) await sleep(100);
    expect((await serverInfo()).command_line_options.restart_epoch).toBe(0);
    // a long-lived connection on epoch 0: it must end with a FIN when epoch 0 leaves
    const held = connect(ports.k8s, '127.0.0.1');
    const heldEnd = new Promise<string>((r) => {
      held.on('end', () => r('fin'));
      held.on('error', (e: NodeJS.ErrnoException) => r(e.code ?? 'error'));
    });
    let running = true;
    const results: string[] = [];
    const load = (async () => {
      while (running) {
        results.push(await attempt());
        await sleep(20);
      }
    })();
    await sleep(300);
    const e1 = start(1, ['--drain-time-s', '1', '--parent-shutdown-time-s', '2']);
    // epoch 1 serves the admin address once epoch 0 let go of it
    let info = { state: '', command_line_options: { restart_epoch: -1 } };
    for (let i = 0; i < 100; i++) {
      info = await serverInfo().catch(() => info);
      if (info.command_line_options.restart_epoch === 1 && info.state === 'LIVE') break;
      await sleep(100);
    }
    expect(info.command_line_options.restart_epoch, e1.err()).toBe(1);
    const parent = await e0.exited;
    expect(parent.code, parent.err).toBe(0);
    expect(parent.err).toContain('shutting down due to child request');
    expect(await heldEnd).toBe('fin');
    await sleep(500);
    running = false;
    await load;
    expect(results.length).toBeGreaterThan(40);
    expect(results.filter((r) => r !== 'ok')).toEqual([]);
    expect(await attempt()).toBe('ok');
  }, 30_000);

  it('a second process on the same base id and epoch fails, naming the option', async () => {
    const clash = start(1);
    const r = await clash.exited;
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unable to bind domain socket with base_id=\d+, id=1, errno=98 \(see --base-id option\)/);
  }, 30_000);
});
