// Shared by the stand-in tests: the stand-in as the lab builds it, loopback echo upstreams, and
// small builders for the bootstrap, listeners, clusters and EDS files they serve.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON, buildStandin } from '../../standin-build.ts';

export const PY = PYTHON;
// Built as the lab publishes it: Envoy's proto schema embedded (test/lab/standin-schema.ts).
export const SCRIPT = buildStandin(join(mkdtempSync(join(tmpdir(), 'ekp-standin-')), 'envoy'), '1.35.0');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Echo {
  port: number;
  close: () => Promise<void>;
}

/** A TCP server answering each chunk with "<port>:<chunk>", so a reply names the upstream. */
export async function echoServer(port?: number): Promise<Echo> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    sock.on('data', (d) => sock.write(`${(srv.address() as net.AddressInfo).port}:${d.toString()}`));
    sock.on('end', () => sock.end());
  });
  await new Promise<void>((r) => srv.listen(port ?? 0, '127.0.0.1', () => r()));
  const p = (srv.address() as net.AddressInfo).port;
  return {
    port: p,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** One request/response over the proxy: send, half-close, read until the proxy closes. */
export function exchange(port: number, payload = 'ping', timeoutMs = 3000): Promise<string> {
  return new Promise((res, rej) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const timer = setTimeout(() => {
      sock.destroy();
      rej(new Error(`timeout, got "${buf}"`));
    }, timeoutMs);
    sock.on('connect', () => {
      sock.end(payload);
    });
    sock.on('data', (d) => {
      buf += d.toString();
    });
    sock.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      res(buf);
    });
  });
}

export function runSync(args: string[], script = SCRIPT) {
  const r = spawnSync(PY, [script, ...args], { encoding: 'utf8', timeout: 15_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const sa = (port: number) => ({ socket_address: { address: '127.0.0.1', port_value: port } });

export function eds(cluster: string, ports: number[]) {
  return {
    version_info: String(Date.now()),
    resources: [
      {
        '@type': 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
        cluster_name: cluster,
        endpoints: [{ lb_endpoints: ports.map((p) => ({ endpoint: { address: sa(p) } })) }],
      },
    ],
  };
}

/** Writes a file the way the tool must: temp file in the same directory, then rename over it. */
export function atomicWrite(path: string, data: unknown) {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(data, null, 1));
  renameSync(tmp, path);
}

export function listener(name: string, port: number, cluster: string, accessLog?: string) {
  const tcp: Record<string, unknown> = {
    '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
    stat_prefix: name,
    cluster,
    max_connect_attempts: 2,
  };
  if (accessLog) {
    tcp.access_log = [
      {
        name: 'envoy.access_loggers.file',
        typed_config: {
          '@type': 'type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog',
          path: accessLog,
          log_format: {
            json_format: {
              start_time: '%START_TIME%',
              downstream: '%DOWNSTREAM_REMOTE_ADDRESS%',
              upstream_host: '%UPSTREAM_HOST%',
              cluster: '%UPSTREAM_CLUSTER%',
              bytes_received: '%BYTES_RECEIVED%',
              bytes_sent: '%BYTES_SENT%',
              duration: '%DURATION%',
              flags: '%RESPONSE_FLAGS%',
              reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
            },
          },
        },
      },
    ];
  }
  return {
    '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener',
    name,
    address: sa(port),
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: tcp }] }],
  };
}

export function cluster(name: string, edsPath: string, healthCheck: boolean) {
  const c: Record<string, unknown> = {
    '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
    name,
    type: 'EDS',
    connect_timeout: '0.5s',
    eds_cluster_config: { eds_config: { resource_api_version: 'V3', path_config_source: { path: edsPath } } },
  };
  if (healthCheck) {
    c.health_checks = [
      {
        timeout: '0.5s',
        interval: '0.2s',
        no_traffic_interval: '0.2s',
        healthy_threshold: 1,
        unhealthy_threshold: 1,
        tcp_health_check: {},
      },
    ];
  }
  return c;
}

export function bootstrap(dir: string, adminPort: number) {
  return {
    node: { id: 'standin-test', cluster: 'k8s-lb' },
    admin: { address: sa(adminPort) },
    dynamic_resources: {
      lds_config: { resource_api_version: 'V3', path_config_source: { path: join(dir, 'lds.yaml') } },
      cds_config: { resource_api_version: 'V3', path_config_source: { path: join(dir, 'cds.yaml') } },
    },
  };
}
