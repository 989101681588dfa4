// The health listener: a small HTTP listener on each host's own address where Envoy itself answers
// GET /healthz through its health_check filter, so keepalived, a cloud NLB or an F5 can see a host
// going away (the admin interface stays on loopback). Every other path is a 404.
//
// The filter (envoy.filters.http.health_check, non-pass-through) answers 503 once
// `POST /healthcheck/fail` set the server's failed state — the first step of a restart — and, with
// cluster_min_healthy_percentages, while a proxied cluster has too few healthy endpoints. A dead or
// not yet listening Envoy refuses the connection, which every checker reads as down.
//
// Like the metrics listener it lives in the bootstrap's static_resources: lds/cds stay one
// listener and one cluster per API-server group.

import { isIP } from 'node:net';
import type { HostSpec, Inventory } from '../inventory/types.ts';
import { socketAddress } from './address.ts';
import { EXTENSION, TYPE } from './type-urls.ts';

export const HEALTH_LISTENER = 'health';
export const HEALTH_PATH = '/healthz';

/** The inventory's healthListener.address, else the host's address (as metricsAddress does). */
export function healthListenerAddress(inv: Inventory, host: HostSpec): string {
  if (inv.healthListener.address !== undefined) return inv.healthListener.address;
  if (isIP(host.address) !== 0) return host.address;
  return host.listenAddress ?? '0.0.0.0';
}

/**
 * The smallest whole percentage p with `healthy * 100 >= total * p` exactly when healthy >= the
 * gate's need (min(minHealthyEndpoints, total)). Envoy truncates the Percent to an integer, hence
 * a floor; exact for clusters of up to 100 endpoints (the step 100/total stays >= 1).
 */
export function minHealthyPercent(minHealthy: number, total: number): number {
  if (total === 0) return 0;
  return Math.floor((100 * Math.min(minHealthy, total)) / total);
}

function healthCheckFilter(inv: Inventory): Record<string, unknown> {
  const percentages: Record<string, { value: number }> = {};
  for (const c of inv.clusters)
    percentages[c.name] = { value: minHealthyPercent(inv.rolling.minHealthyEndpoints, c.endpoints.length) };
  return {
    name: EXTENSION.healthCheck,
    typed_config: {
      '@type': TYPE.healthCheck,
      // Envoy answers by itself; nothing is forwarded anywhere.
      pass_through_mode: false,
      headers: [{ name: ':path', string_match: { exact: HEALTH_PATH } }],
      cluster_min_healthy_percentages: percentages,
    },
  };
}

export function renderHealthListener(inv: Inventory, host: HostSpec): Record<string, unknown> {
  return {
    name: HEALTH_LISTENER,
    address: socketAddress(healthListenerAddress(inv, host), inv.healthListener.port),
    stat_prefix: HEALTH_LISTENER,
    filter_chains: [
      {
        filters: [
          {
            name: EXTENSION.httpConnectionManager,
            typed_config: {
              '@type': TYPE.httpConnectionManager,
              stat_prefix: HEALTH_LISTENER,
              codec_type: 'HTTP1',
              route_config: {
                name: HEALTH_LISTENER,
                virtual_hosts: [
                  {
                    name: HEALTH_LISTENER,
                    domains: ['*'],
                    // Reached only by what the health_check filter did not answer.
                    routes: [
                      {
                        match: { prefix: '/' },
                        direct_response: {
                          status: 404,
                          body: { inline_string: `not found: this port serves only ${HEALTH_PATH}\n` },
                        },
                      },
                    ],
                  },
                ],
              },
              // A checker sends one small request every second or so: slow or idle clients are cut.
              request_headers_timeout: '5s',
              stream_idle_timeout: '30s',
              http_filters: [
                healthCheckFilter(inv),
                { name: EXTENSION.router, typed_config: { '@type': TYPE.router } },
              ],
            },
          },
        ],
      },
    ],
    per_connection_buffer_limit_bytes: 32768,
  };
}
