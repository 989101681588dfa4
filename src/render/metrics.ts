// The metrics listener: an HTTP listener on each host's own address that answers exactly
// `GET /stats/prometheus` by routing it to the loopback admin interface, and 404 to everything
// else, so Prometheus can scrape while /quitquitquit, /healthcheck/fail, /config_dump… stay
// reachable from loopback only.
//
// Why a listener and not stats sinks: Prometheus pulls. Envoy's sinks (statsd, dog_statsd,
// metrics_service) push to a collector we would have to run and keep highly available; a pull
// endpoint lets the platform team's Prometheus discover, scrape and alert on `up` like any other
// target, and a host whose Envoy is dead shows as a failed scrape instead of silence.
//
// It lives in the bootstrap's static_resources, not in lds/cds: it depends on the admin address
// (a bootstrap field), and lds/cds stay one listener and one cluster per API-server group.

import { isIP } from 'node:net';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { socketAddress } from './address.ts';
import { EXTENSION, TYPE } from './type-urls.ts';

import { RESERVED_CLUSTER } from '../inventory/metrics-rules.ts';

export const METRICS_LISTENER = 'metrics';
/** Reserved: the inventory refuses a cluster of this name. */
export const METRICS_ADMIN_CLUSTER = RESERVED_CLUSTER;
export const PROMETHEUS_PATH = '/stats/prometheus';

/**
 * The inventory's metrics.address, else the host's address; a host known only by a DNS name has
 * no IP to bind offline (Envoy never resolves listener addresses): its listenAddress, else 0.0.0.0.
 */
export function metricsAddress(inv: Inventory, host: HostSpec): string {
  if (inv.metrics.address !== undefined) return inv.metrics.address;
  if (isIP(host.address) !== 0) return host.address;
  return host.listenAddress ?? '0.0.0.0';
}

function routeConfig(): Record<string, unknown> {
  return {
    name: METRICS_LISTENER,
    virtual_hosts: [
      {
        name: METRICS_LISTENER,
        domains: ['*'],
        routes: [
          {
            // `path` matches the whole path (the query string aside): /stats/prometheus/../x does not.
            match: { path: PROMETHEUS_PATH, headers: [{ name: ':method', string_match: { exact: 'GET' } }] },
            route: { cluster: METRICS_ADMIN_CLUSTER, timeout: '10s' },
          },
          {
            match: { prefix: '/' },
            direct_response: {
              status: 404,
              body: { inline_string: 'not found: this port serves only GET /stats/prometheus\n' },
            },
          },
        ],
      },
    ],
  };
}

export function renderMetricsListener(inv: Inventory, host: HostSpec): Record<string, unknown> {
  return {
    name: METRICS_LISTENER,
    address: socketAddress(metricsAddress(inv, host), inv.metrics.port),
    // Its stats as envoy_listener_address="metrics", apart from the proxying listeners' addresses.
    stat_prefix: METRICS_LISTENER,
    filter_chains: [
      {
        filters: [
          {
            name: EXTENSION.httpConnectionManager,
            typed_config: {
              '@type': TYPE.httpConnectionManager,
              stat_prefix: METRICS_LISTENER,
              codec_type: 'HTTP1',
              route_config: routeConfig(),
              // A scraper sends a small request and waits for the answer: slow or idle clients are cut.
              request_headers_timeout: '5s',
              stream_idle_timeout: '30s',
              http_filters: [{ name: EXTENSION.router, typed_config: { '@type': TYPE.router } }],
            },
          },
        ],
      },
    ],
    // Scrapes are a few hundred KiB at most: no reason to grant Envoy's 1 MiB per connection.
    per_connection_buffer_limit_bytes: 32768,
  };
}

/** The loopback admin as an upstream: the listener's only route target. */
export function renderMetricsAdminCluster(inv: Inventory): Record<string, unknown> {
  return {
    name: METRICS_ADMIN_CLUSTER,
    type: 'STATIC',
    connect_timeout: '1s',
    load_assignment: {
      cluster_name: METRICS_ADMIN_CLUSTER,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(inv.admin.address, inv.admin.port) } }] }],
    },
  };
}

/** `static_resources` for the bootstrap, or undefined when metrics are off. */
export function renderMetricsResources(inv: Inventory, host: HostSpec): Record<string, unknown> | undefined {
  if (!inv.metrics.enabled) return undefined;
  return { listeners: [renderMetricsListener(inv, host)], clusters: [renderMetricsAdminCluster(inv)] };
}
