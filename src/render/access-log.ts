// Access logs. The proxy is L4: only TCP command operators carry data; HTTP ones such as
// %REQ(...)% or %RESPONSE_CODE% would log "-" for every connection.

import type { AccessLogSpec } from '../inventory/types.ts';
import { EXTENSION, TYPE } from './type-urls.ts';

/** One JSON line when the upstream connects and one when the connection ends (access_log_type). */
export const TCP_LOG_FORMAT: Readonly<Record<string, string>> = {
  access_log_type: '%ACCESS_LOG_TYPE%',
  start_time: '%START_TIME%',
  downstream_remote_address: '%DOWNSTREAM_REMOTE_ADDRESS%',
  upstream_host: '%UPSTREAM_HOST%',
  upstream_cluster: '%UPSTREAM_CLUSTER%',
  bytes_received: '%BYTES_RECEIVED%',
  bytes_sent: '%BYTES_SENT%',
  duration_ms: '%DURATION%',
  response_flags: '%RESPONSE_FLAGS%',
  upstream_transport_failure_reason: '%UPSTREAM_TRANSPORT_FAILURE_REASON%',
  connection_termination_details: '%CONNECTION_TERMINATION_DETAILS%',
};

/** A FileAccessLog writing to `path`; without a format Envoy uses its default (fine for admin). */
export function fileAccessLog(path: string, jsonFormat?: Readonly<Record<string, string>>): Record<string, unknown> {
  const typed: Record<string, unknown> = { '@type': TYPE.fileAccessLog, path };
  if (jsonFormat) typed.log_format = { json_format: { ...jsonFormat } };
  return { name: EXTENSION.fileAccessLog, typed_config: typed };
}

/** The tcp_proxy `access_log` list: empty when logging is off. */
export function tcpAccessLogs(spec: AccessLogSpec): Record<string, unknown>[] {
  return spec.enabled ? [fileAccessLog(spec.path, TCP_LOG_FORMAT)] : [];
}
