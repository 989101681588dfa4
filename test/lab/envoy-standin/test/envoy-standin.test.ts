// The lab's Envoy stand-in, built as the lab publishes it, exercised the way the tool and the e2e
// suite use a real Envoy: CLI, validate mode, admin API, tcp_proxy, health checks, file-based xDS
// reloads, drain and shutdown. Loopback only: every address here is 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../support/net.ts';
import {
  SCRIPT,
  PY,
  sleep,
  type Echo,
  echoServer,
  exchange,
  runSync,
  sa,
  eds,
  atomicWrite,
  listener,
  cluster,
  bootstrap,
} from './support.ts';

describe('envoy stand-in: command line', () => {
  it('prints the version like Envoy', () => {
    const r = runSync(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\nenvoy {2}version: [0-9a-f]{40}\/1\.35\.0\/Clean\/RELEASE\/BoringSSL\n$/);
  });

  it('rejects unknown flags like Envoy (exit 1)', () => {
    const r = runSync(['--no-such-flag']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("Couldn't find match for argument");
  });
});

describe('envoy stand-in: --mode validate', () => {
  let dir: string;
  const write = (name: string, doc: unknown) => {
    const p = join(dir, name);
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'standin-validate-'));
    writeFileSync(join(dir, 'lds.yaml'), 'resources: []\n');
    writeFileSync(join(dir, 'cds.yaml'), 'resources: []\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const staticBootstrap = (clusterEdit: (c: any) => void, listenerEdit: (l: any) => void = () => {}) => {
    const c: any = {
      name: 'k8s',
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: { cluster_name: 'k8s', endpoints: [{ lb_endpoints: [{ endpoint: { address: sa(6443) } }] }] },
      health_checks: [
        { timeout: '1s', interval: '5s', healthy_threshold: 2, unhealthy_threshold: 2, tcp_health_check: {} },
      ],
    };
    const l: any = listener('k8s', 6443, 'k8s');
    delete l['@type'];
    clusterEdit(c);
    listenerEdit(l);
    return { admin: { address: sa(9901) }, static_resources: { listeners: [l], clusters: [c] } };
  };

  it('accepts a good bootstrap: prints OK and exits 0', () => {
    const p = write('envoy.yaml', bootstrap(dir, 9901));
    const r = runSync(['--mode', 'validate', '-c', p]);
    expect(r.stderr).not.toContain('critical');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`configuration '${p}' OK\n`);
    expect(
      runSync([
        '--mode',
        'validate',
        '--config-path',
        write(
          'static.yaml',
          staticBootstrap(() => {}),
        ),
      ]).code,
    ).toBe(0);
  });

  it('rejects http_health_check and tcp_health_check both set (one oneof)', () => {
    const p = write(
      'double-hc.yaml',
      staticBootstrap((c) => {
        c.health_checks[0].http_health_check = { path: '/healthz' };
      }),
    );
    const r = runSync(['--mode', 'validate', '-c', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /\[critical\]\[main\].*error initializing configuration '.*double-hc\.yaml': .*oneof field 'health_checker' is already set/,
    );
  });

  it('rejects a tcp_proxy without a cluster', () => {
    const p = write(
      'no-cluster.yaml',
      staticBootstrap(
        () => {},
        (l) => {
          delete l.filter_chains[0].filters[0].typed_config.cluster;
        },
      ),
    );
    const r = runSync(['--mode', 'validate', '-c', p]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error initializing configuration');
    expect(r.stderr).toContain('cluster_specifier');
  });

  it('rejects unknown bootstrap fields, bad YAML, bad durations and bad admin addresses', () => {
    const cases: [string, unknown][] = [
      ['unknown-field.yaml', { ...bootstrap(dir, 9901), not_a_field: 1 }],
      [
        'bad-duration.yaml',
        staticBootstrap((c) => {
          c.connect_timeout = '5 seconds';
        }),
      ],
      ['bad-admin.yaml', { admin: { address: { socket_address: { address: 'localhost', port_value: 9901 } } } }],
      [
        'retry-policy.yaml',
        staticBootstrap((c) => {
          c.retry_policy = { num_retries: 3 };
        }),
      ],
    ];
    for (const [name, doc] of cases) {
      const r = runSync(['--mode', 'validate', '-c', write(name, doc)]);
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toContain('error initializing configuration');
    }
    writeFileSync(join(dir, 'broken.yaml'), 'admin: {address: [\n');
    expect(runSync(['--mode', 'validate', '-c', join(dir, 'broken.yaml')]).code).toBe(1);
  });

  it('like Envoy, checks that lds/cds files exist but does not parse them (envoy#36289)', () => {
    const b = bootstrap(dir, 9901);
    b.dynamic_resources.lds_config.path_config_source.path = join(dir, 'absent.yaml');
    expect(runSync(['--mode', 'validate', '-c', write('absent-lds.yaml', b)]).code).toBe(1);
    writeFileSync(join(dir, 'lds.yaml'), 'resources: [ {\n');
    expect(runSync(['--mode', 'validate', '-c', write('broken-lds.yaml', bootstrap(dir, 9901))]).code).toBe(0);
  });
});

describe('envoy stand-in: serving', () => {
  let dir: string;
  let adminPort: number;
  let port1: number;
  let port2: number;
  let echoA: Echo;
  let echoB: Echo;
  let echoC: Echo;
  let envoy: ChildProcess;
  let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  let stderr = '';
  const admin = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${adminPort}${path}`, init);
  const clustersText = async () => (await admin('/clusters')).text();

  async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 5000): Promise<T> {
    const end = Date.now() + ms;
    let last: unknown;
    while (Date.now() < end) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what} (${String(last ?? '')})\n${stderr}`);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'standin-serve-'));
    [adminPort, port1, port2] = [await freePort(), await freePort(), await freePort()];
    [echoA, echoB, echoC] = [await echoServer(), await echoServer(), await echoServer()];
    atomicWrite(join(dir, 'eds-hc.yaml'), eds('k8s_hc', [echoA.port, echoB.port]));
    atomicWrite(join(dir, 'eds-plain.yaml'), eds('k8s_plain', [echoA.port]));
    atomicWrite(join(dir, 'cds.yaml'), {
      resources: [
        cluster('k8s_hc', join(dir, 'eds-hc.yaml'), true),
        cluster('k8s_plain', join(dir, 'eds-plain.yaml'), false),
      ],
    });
    atomicWrite(join(dir, 'lds.yaml'), {
      resources: [
        listener('listener_hc', port1, 'k8s_hc', join(dir, 'access.log')),
        listener('listener_plain', port2, 'k8s_plain'),
      ],
    });
    atomicWrite(join(dir, 'envoy.yaml'), bootstrap(dir, adminPort));
    envoy = spawn(
      PY,
      [
        SCRIPT,
        '-c',
        join(dir, 'envoy.yaml'),
        '--concurrency',
        '1',
        '--drain-time-s',
        '1',
        '--file-flush-interval-msec',
        '100',
        '--log-level',
        'info',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    envoy.stderr!.on('data', (d) => {
      stderr += d.toString();
    });
    exited = new Promise((r) => envoy.on('exit', (code, signal) => r({ code, signal })));
    await waitFor('/ready', async () => (await admin('/ready')).status === 200, 10_000);
  });

  afterAll(async () => {
    if (envoy.exitCode === null && envoy.signalCode === null) envoy.kill('SIGKILL');
    await Promise.all([echoA, echoB, echoC].map((e) => e.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers /ready and /server_info like Envoy', async () => {
    const ready = await admin('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('LIVE\n');
    const info = (await (await admin('/server_info')).json()) as any;
    expect(info.version).toMatch(/^[0-9a-f]{40}\/1\.35\.0\/Clean\/RELEASE\/BoringSSL$/);
    expect(info.state).toBe('LIVE');
    expect(info.uptime_current_epoch).toMatch(/^\d+s$/);
    expect(info.command_line_options.concurrency).toBe(1);
    expect(info.command_line_options.drain_time).toBe('1s');
    expect(info.node).toMatchObject({ id: 'standin-test', cluster: 'k8s-lb' });
    expect(await (await admin('/listeners')).text()).toContain(`listener_hc::127.0.0.1:${port1}\n`);
  });

  it('proxies both ways and round-robins across healthy endpoints', async () => {
    await waitFor(
      'both hosts healthy',
      async () => (await clustersText()).match(/k8s_hc::.*::health_flags::healthy/g)?.length === 2,
    );
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const reply = await exchange(port1, `hello${i}`);
      expect(reply).toMatch(new RegExp(`^\\d+:hello${i}$`));
      seen.add(reply.split(':')[0]!);
    }
    expect(seen).toEqual(new Set([String(echoA.port), String(echoB.port)]));
    const text = await clustersText();
    expect(text).toContain(`k8s_hc::127.0.0.1:${echoA.port}::cx_total::3\n`);
    expect(text).toContain('k8s_hc::default_priority::max_connections::1024\n');
    expect(text).toContain('k8s_hc::added_via_api::true\n');
  });

  it('marks a killed upstream /failed_active_hc and sends traffic around it', async () => {
    await echoB.close();
    await waitFor('failed_active_hc', async () =>
      (await clustersText()).includes(`k8s_hc::127.0.0.1:${echoB.port}::health_flags::/failed_active_hc\n`),
    );
    for (let i = 0; i < 4; i++) expect(await exchange(port1)).toBe(`${echoA.port}:ping`);
    const json = (await (await admin('/clusters?format=json')).json()) as any;
    const hc = json.cluster_statuses.find((c: any) => c.name === 'k8s_hc');
    const dead = hc.host_statuses.find((h: any) => h.address.socket_address.port_value === echoB.port);
    expect(dead.health_status).toMatchObject({ eds_health_status: 'HEALTHY', failed_active_health_check: true });
    const stats = (await (await admin('/stats?format=json')).json()) as any;
    const stat = (n: string) => stats.stats.find((s: any) => s.name === n)?.value;
    expect(stat('cluster.k8s_hc.membership_healthy')).toBe(1);
    expect(stat('cluster.k8s_hc.membership_total')).toBe(2);
    expect(stat('cluster.k8s_hc.health_check.failure')).toBeGreaterThan(0);
    expect(stat('server.live')).toBe(1);
    expect(stat('listener_manager.total_listeners_active')).toBe(2);
  });

  it('reloads EDS on atomic rename without a restart, and ignores in-place edits', async () => {
    const pid = envoy.pid;
    expect(await exchange(port2)).toBe(`${echoA.port}:ping`);
    const path = join(dir, 'eds-plain.yaml');
    atomicWrite(path, eds('k8s_plain', [echoC.port]));
    await waitFor('new endpoint', async () => (await exchange(port2)) === `${echoC.port}:ping`);
    for (let i = 0; i < 3; i++) expect(await exchange(port2)).toBe(`${echoC.port}:ping`);
    // Same inode, new content: Envoy watches for moves only, so this must change nothing.
    writeFileSync(path, JSON.stringify(eds('k8s_plain', [echoA.port])));
    await sleep(1200);
    expect(await exchange(port2)).toBe(`${echoC.port}:ping`);
    // A broken replacement is refused and the last good endpoints stay; a file that does not even
    // parse is an update *failure* in Envoy's filesystem subscription (refresh()), not a rejection.
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, 'resources: [ {\n');
    renameSync(tmp, path);
    await waitFor('failure logged', async () => stderr.includes('Filesystem config update failure: in '));
    expect(await exchange(port2)).toBe(`${echoC.port}:ping`);
    expect(envoy.pid).toBe(pid);
    expect(envoy.exitCode).toBeNull();
  });

  it('writes one JSON access-log line per connection', async () => {
    const lines = await waitFor('access log', async () => {
      if (!existsSync(join(dir, 'access.log'))) return undefined;
      const l = readFileSync(join(dir, 'access.log'), 'utf8')
        .trim()
        .split('\n')
        .map((x) => JSON.parse(x));
      return l.length >= 10 ? l : undefined;
    });
    const first = lines[0];
    expect(first.cluster).toBe('k8s_hc');
    expect(first.upstream_host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.downstream).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(first.bytes_received).toBe('hello0'.length);
    expect(first.bytes_sent).toBe(`${echoA.port}:hello0`.length);
    expect(first.flags).toBe('-');
    expect(typeof first.duration).toBe('number');
    expect(first.start_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('keeps writing a renamed log until POST /reopen_logs, then writes a new file (logrotate)', async () => {
    const log = join(dir, 'access.log');
    const count = (f: string) =>
      existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).length : 0;
    await waitFor('a logged connection', async () => count(log) > 0 || undefined);
    renameSync(log, `${log}.1`);
    const before = count(`${log}.1`);
    await exchange(port1, 'after-rename');
    await waitFor('line in the renamed file', async () => count(`${log}.1`) > before || undefined);
    expect(existsSync(log)).toBe(false);
    expect((await admin('/reopen_logs')).status).toBe(405);
    expect(await (await admin('/reopen_logs', { method: 'POST' })).text()).toBe('OK\n');
    const rotated = count(`${log}.1`);
    await exchange(port1, 'after-reopen');
    await waitFor('line in the new file', async () => count(log) > 0 || undefined);
    expect(count(`${log}.1`)).toBe(rotated);
  });

  it('healthcheck/fail turns /ready DRAINING; mutating endpoints need POST', async () => {
    expect((await admin('/healthcheck/fail')).status).toBe(405);
    const fail = await admin('/healthcheck/fail', { method: 'POST' });
    expect(await fail.text()).toBe('OK\n');
    const ready = await admin('/ready');
    expect(ready.status).toBe(503);
    expect(await ready.text()).toBe('DRAINING\n');
    expect(((await (await admin('/server_info')).json()) as any).state).toBe('DRAINING');
    await admin('/healthcheck/ok', { method: 'POST' });
    expect((await admin('/ready')).status).toBe(200);
  });

  it('drain_listeners?graceful stops new connections after --drain-time-s, keeps established ones', async () => {
    const held = net.connect(port1, '127.0.0.1');
    await new Promise((r) => held.once('connect', r));
    expect((await admin('/drain_listeners?graceful')).status).toBe(405);
    const r = await admin('/drain_listeners?graceful', { method: 'POST' });
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('OK\n');
    await waitFor(
      'listeners stopped',
      async () => {
        try {
          await exchange(port1, 'x', 1000);
          return false;
        } catch (e: any) {
          return e.code === 'ECONNREFUSED';
        }
      },
      5000,
    );
    await expect(exchange(port2, 'x', 1000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    const reply = new Promise<string>((res) => held.once('data', (d) => res(d.toString())));
    held.write('still-here');
    expect(await reply).toBe(`${echoA.port}:still-here`);
    held.destroy();
    expect((await admin('/ready')).status).toBe(200);
  });

  it('exits 0 quickly on SIGTERM', async () => {
    const t0 = Date.now();
    envoy.kill('SIGTERM');
    const { code } = await exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(stderr).toMatch(
      /\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\]\[\d+\]\[warning\]\[main\] \[[^\]]+\] caught SIGTERM/,
    );
  });
});

describe('envoy stand-in: HTTPS /readyz health check via transport_socket_matches', () => {
  // The project's health-check shape: data path raw TCP, checker over TLS to /readyz.
  let dir: string;
  let adminPort: number;
  let envoy: ChildProcess;
  let status = 200;
  const paths: string[] = [];
  let server: import('node:https').Server;
  let upstreamPort: number;
  const hasOpenssl = existsSync('/usr/bin/openssl');

  beforeAll(async () => {
    if (!hasOpenssl) return;
    dir = mkdtempSync(join(tmpdir(), 'standin-tls-'));
    spawnSync(
      '/usr/bin/openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=kube-apiserver',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '1',
      ],
      { stdio: 'ignore' },
    );
    const https = await import('node:https');
    server = https.createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (req, res) => {
        paths.push(req.url ?? '');
        res.statusCode = req.url === '/readyz' ? status : 404;
        res.end('ok');
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    upstreamPort = (server.address() as net.AddressInfo).port;
    adminPort = await freePort();
    const c: any = cluster('k8s_tls', join(dir, 'eds.yaml'), false);
    c.transport_socket = {
      name: 'envoy.transport_sockets.raw_buffer',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
      },
    };
    c.transport_socket_matches = [
      {
        name: 'health_check_tls',
        match: { health_check_tls: true },
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          },
        },
      },
    ];
    c.health_checks = [
      {
        timeout: '1s',
        interval: '0.2s',
        no_traffic_interval: '0.2s',
        unhealthy_threshold: 3,
        healthy_threshold: 2,
        http_health_check: { path: '/readyz' },
        transport_socket_match_criteria: { health_check_tls: true },
      },
    ];
    atomicWrite(join(dir, 'eds.yaml'), eds('k8s_tls', [upstreamPort]));
    atomicWrite(join(dir, 'cds.yaml'), { resources: [c] });
    atomicWrite(join(dir, 'lds.yaml'), { resources: [] });
    atomicWrite(join(dir, 'envoy.yaml'), bootstrap(dir, adminPort));
    envoy = spawn(PY, [SCRIPT, '--disable-hot-restart', '-c', join(dir, 'envoy.yaml')], { stdio: 'ignore' });
  });

  afterAll(async () => {
    if (!hasOpenssl) return;
    envoy.kill('SIGKILL');
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!hasOpenssl)(
    'is healthy on 200 over TLS and fails at once on 503 (no threshold for HTTP status)',
    async () => {
      const flags = async () => {
        try {
          const t = await (await fetch(`http://127.0.0.1:${adminPort}/clusters`)).text();
          return t.match(/::health_flags::(\S+)/)?.[1];
        } catch {
          return undefined;
        }
      };
      const until = async (want: string) => {
        for (let i = 0; i < 50 && (await flags()) !== want; i++) await sleep(100);
        expect(await flags()).toBe(want);
      };
      await until('healthy');
      expect(paths).toContain('/readyz');
      status = 503;
      await until('/failed_active_hc');
      status = 200;
      await until('healthy');
    },
  );
});
