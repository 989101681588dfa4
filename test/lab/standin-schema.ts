// The proto schema the Envoy stand-in validates against: the project's reflected Envoy API
// protos (src/validate/protos.ts), reduced to plain JSON and embedded into the stand-in when it
// is built (standin-build.ts), so its `--mode validate` and its dynamic-update check walk the
// same types, enums, oneofs and PGV rules as real Envoy's protos (lab hosts have python3, not
// node).
import { deflateSync } from 'node:zlib';
import { loadProtos, type ProtoField, type ProtoMessage } from '../../src/validate/index.ts';

/** Every message the stand-in may meet: the documents' roots and the typed configs we render. */
const ROOTS = [
  'envoy.config.bootstrap.v3.Bootstrap',
  'envoy.service.discovery.v3.DiscoveryResponse',
  'envoy.config.listener.v3.Listener',
  'envoy.config.cluster.v3.Cluster',
  'envoy.config.endpoint.v3.ClusterLoadAssignment',
  'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  'envoy.extensions.filters.http.router.v3.Router',
  'envoy.extensions.filters.http.health_check.v3.HealthCheck',
  'envoy.extensions.access_loggers.file.v3.FileAccessLog',
  'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
  'envoy.extensions.access_loggers.stream.v3.StderrAccessLog',
  'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
  'envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
  'envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer',
  'envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions',
  'envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig',
  'envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig',
];

type FieldRow = [
  name: string,
  json: string,
  type: string,
  kind: 'm' | 'e' | 's',
  flags: string,
  keyType: string | null,
  oneof: string | null,
  rules: unknown,
];

function field(f: ProtoField, queue: string[], enums: Record<string, [string, number, boolean][]>): FieldRow {
  let kind: FieldRow[3] = 's';
  let type = f.type;
  if (f.resolvedMessage) {
    kind = 'm';
    type = f.resolvedMessage.fullName;
    queue.push(type);
  } else if (f.resolvedEnum) {
    kind = 'e';
    type = f.resolvedEnum.fullName;
    enums[type] ??= [...f.resolvedEnum.values].map(([k, v]) => [k, v, f.resolvedEnum!.deprecated.has(k)]);
  }
  const flags = `${f.repeated ? 'r' : ''}${f.map ? 'm' : ''}${f.optional ? 'o' : ''}${f.deprecated ? 'd' : ''}`;
  return [
    f.name,
    f.jsonName,
    type,
    kind,
    flags,
    f.map ? (f.keyType ?? 'string') : null,
    f.partOf ?? null,
    f.rules ?? null,
  ];
}

/** { messages: {name: {d: pgvDisabled, f: [FieldRow], o: [[oneof, fields, required]]}}, enums }. */
export function standinSchema(): { messages: Record<string, unknown>; enums: Record<string, unknown> } {
  const reg = loadProtos();
  const messages: Record<string, unknown> = {};
  const enums: Record<string, [string, number, boolean][]> = {};
  const queue = [...ROOTS];
  while (queue.length) {
    const name = queue.pop()!;
    if (name in messages) continue;
    const m: ProtoMessage | undefined = reg.message(name);
    if (!m) throw new Error(`stand-in schema: no proto message ${name}`);
    messages[name] = {
      d: m.pgvDisabled,
      f: [...m.fields.values()].map((f) => field(f, queue, enums)),
      o: m.oneofs.map((o) => [o.name, o.fields, o.required]),
    };
  }
  return { messages, enums };
}

/** The schema as the stand-in's build embeds it: base64 of zlib-compressed JSON (64-bit bounds as strings). */
export function standinSchemaZ(): string {
  const json = JSON.stringify(standinSchema(), (_k, v: unknown) =>
    typeof v === 'bigint' ? v.toString() : v && typeof v === 'object' && 'low' in v && 'high' in v ? String(v) : v,
  );
  return deflateSync(Buffer.from(json), { level: 9 }).toString('base64');
}
