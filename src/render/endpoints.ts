// eds_<cluster>.yaml: the API servers behind one listener.
//
// EDS endpoints are never resolved: Envoy parses socket_address.address as an IP literal and
// rejects the whole update otherwise (only STRICT_DNS/LOGICAL_DNS clusters resolve names). So a
// DNS name is refused here with a clear message rather than deployed and rejected by Envoy.

import type { ClusterSpec, HostSpec } from '../inventory/types.ts';
import { ToolError } from '../errors.ts';
import { isIpLiteral, socketAddress } from './address.ts';
import { TYPE } from './type-urls.ts';

export function renderLoadAssignment(host: HostSpec, cluster: ClusterSpec): Record<string, unknown> {
  const lbEndpoints = cluster.endpoints.map((ep) => {
    if (!isIpLiteral(ep.host)) {
      throw new ToolError(
        'inventory',
        `cluster ${cluster.name}: endpoint ${ep.host}:${ep.port} is not an IP address; ` +
          'Envoy EDS endpoints must be IPv4 or IPv6 literals (EDS does not resolve DNS names)',
        { host: host.name },
      );
    }
    return { endpoint: { address: socketAddress(ep.host, ep.port) } };
  });
  return {
    '@type': TYPE.loadAssignment,
    cluster_name: cluster.name,
    endpoints: lbEndpoints.length > 0 ? [{ lb_endpoints: lbEndpoints }] : [],
  };
}

export function renderEds(host: HostSpec, cluster: ClusterSpec): Record<string, unknown> {
  return { resources: [renderLoadAssignment(host, cluster)] };
}
