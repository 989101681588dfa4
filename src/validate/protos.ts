// Loads Envoy's own API protos (shipped inside @grpc/grpc-js-xds) once per process.
// Only this file touches protobufjs; the rest of src/validate/ sees the small types below.
import { accessSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type Protobuf from 'protobufjs';

// required on first use: a run whose renders were all checked before (validate/checked.ts) never loads it
let pbjs: typeof Protobuf | undefined;
const protobufjs = (): typeof Protobuf => (pbjs ??= createRequire(import.meta.url)('protobufjs') as typeof Protobuf);

/** Entry files: everything the rendered configs reference, including Any-typed configs. */
export const PROTO_FILES: readonly string[] = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/service/discovery/v3/discovery.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/health_check/v3/health_check.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/transport_sockets/raw_buffer/v3/raw_buffer.proto',
  'envoy/extensions/upstreams/tcp/v3/tcp_protocol_options.proto',
  'envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto',
  'envoy/extensions/resource_monitors/fixed_heap/v3/fixed_heap.proto',
  'validate/validate.proto',
  'udpa/annotations/status.proto',
  'udpa/annotations/versioning.proto',
  'udpa/annotations/migrate.proto',
  'udpa/annotations/sensitive.proto',
  'xds/annotations/v3/status.proto',
  'envoy/annotations/deprecation.proto',
];

/** The slice of protobufjs reflection the walker uses (kept untyped here on purpose). */
export interface ProtoField {
  name: string;
  /** lowerCamelCase JSON name. */
  jsonName: string;
  type: string;
  repeated: boolean;
  map: boolean;
  keyType?: string;
  /** Resolved message type for message fields. */
  resolvedMessage?: ProtoMessage;
  /** Resolved enum for enum fields. */
  resolvedEnum?: ProtoEnum;
  /** The oneof this field belongs to (synthetic proto3-optional oneofs excluded). */
  partOf?: string;
  /** proto3 `optional`: explicit presence, so PGV rules apply only when set. */
  optional: boolean;
  deprecated: boolean;
  /** `(envoy.annotations.deprecated_at_minor_version)`, e.g. "3.0". */
  deprecatedSince?: string;
  /** The PGV `(validate.rules)` FieldRules as a plain nested object. */
  rules?: PgvRules;
}

/** PGV FieldRules as protobufjs parses them: `{uint32: {lte: 65535}, message: {required: true}}`. */
export type PgvRules = Record<string, Record<string, unknown> | undefined>;

export interface ProtoOneof {
  name: string;
  fields: string[];
  /** `option (validate.required) = true`. */
  required: boolean;
}

export interface ProtoMessage {
  fullName: string;
  fields: Map<string, ProtoField>;
  /** Both proto names and JSON names → field. */
  lookup: Map<string, ProtoField>;
  oneofs: ProtoOneof[];
  /** `(validate.disabled)` / `(validate.ignored)`: no PGV rules for this message. */
  pgvDisabled: boolean;
}

export interface ProtoEnum {
  fullName: string;
  values: Map<string, number>;
  byNumber: Map<number, string>;
  /** Names of deprecated values. */
  deprecated: Set<string>;
}

export interface ProtoRegistry {
  message(fullName: string): ProtoMessage | undefined;
  loadMs: number;
}

let cached: ProtoRegistry | undefined;

/** Whether this process has loaded the protos (a run whose renders were all remembered has not). */
export const protosLoaded = (): boolean => cached !== undefined;

/** Folders the protos live in; the protobufjs folder supplies google/protobuf/descriptor.proto. */
function protoDirs(): string[] {
  const require = createRequire(import.meta.url);
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const pbjs = path.dirname(require.resolve('protobufjs/package.json'));
  return [...['envoy-api', 'xds', 'protoc-gen-validate', 'googleapis'].map((d) => path.join(deps, d)), pbjs];
}

function exists(p: string): boolean {
  try {
    accessSync(p);
    return true;
  } catch {
    return false;
  }
}

/** The cached registry; the first call parses ~600 protos (tens of ms). */
export function loadProtos(): ProtoRegistry {
  if (cached) return cached;
  const started = performance.now();
  const dirs = protoDirs();
  const protobuf = protobufjs();
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string) => {
    for (const d of dirs) {
      const p = path.join(d, target);
      if (exists(p)) return p;
    }
    return target;
  };
  root.loadSync(PROTO_FILES as string[], { keepCase: true });
  root.resolveAll();
  const loadMs = performance.now() - started;
  const messages = new Map<string, ProtoMessage>();
  const enums = new Map<string, ProtoEnum>();

  // Converted lazily: only types a document reaches are ever wrapped.
  const message = (fullName: string): ProtoMessage | undefined => {
    const name = fullName.replace(/^\./, '');
    const hit = messages.get(name);
    if (hit) return hit;
    let t: any;
    try {
      t = root.lookupType(name);
    } catch {
      return undefined;
    }
    return wrapType(t);
  };

  function wrapEnum(e: any): ProtoEnum {
    const fullName = String(e.fullName).replace(/^\./, '');
    const hit = enums.get(fullName);
    if (hit) return hit;
    const values = new Map<string, number>(Object.entries(e.values as Record<string, number>));
    const byNumber = new Map<number, string>();
    for (const [k, v] of values) if (!byNumber.has(v)) byNumber.set(v, k);
    const deprecated = new Set<string>();
    const vopts = (e.valuesOptions ?? {}) as Record<string, Record<string, unknown>>;
    for (const [k, o] of Object.entries(vopts)) if (o && o.deprecated === true) deprecated.add(k);
    const wrapped: ProtoEnum = { fullName, values, byNumber, deprecated };
    enums.set(fullName, wrapped);
    return wrapped;
  }

  function wrapType(t: any): ProtoMessage {
    const fullName = String(t.fullName).replace(/^\./, '');
    const fields = new Map<string, ProtoField>();
    const lookup = new Map<string, ProtoField>();
    const mopts = (t.options ?? {}) as Record<string, unknown>;
    const pgvDisabled = mopts['(validate.disabled)'] === true || mopts['(validate.ignored)'] === true;
    const wrapped: ProtoMessage = { fullName, fields, lookup, oneofs: [], pgvDisabled };
    messages.set(fullName, wrapped); // before recursing: types are recursive
    for (const f of t.fieldsArray as any[]) {
      const opts = (f.options ?? {}) as Record<string, unknown>;
      const optional = opts.proto3_optional === true;
      const field: ProtoField = {
        name: f.name,
        jsonName: typeof f.options?.json_name === 'string' ? f.options.json_name : camel(f.name),
        type: f.type,
        repeated: Boolean(f.repeated),
        map: Boolean(f.map),
        keyType: f.keyType,
        partOf: f.partOf && !optional ? f.partOf.name : undefined,
        optional,
        deprecated: opts.deprecated === true,
        deprecatedSince:
          typeof opts['(envoy.annotations.deprecated_at_minor_version)'] === 'string'
            ? (opts['(envoy.annotations.deprecated_at_minor_version)'] as string)
            : undefined,
        rules: pgvRules(f.parsedOptions),
      };
      const rt = f.resolvedType;
      if (rt instanceof protobuf.Type) {
        Object.defineProperty(field, 'resolvedMessage', { enumerable: true, get: () => message(rt.fullName) });
      } else if (rt instanceof protobuf.Enum) {
        field.resolvedEnum = wrapEnum(rt);
      }
      fields.set(f.name, field);
      lookup.set(f.name, field);
      lookup.set(field.jsonName, field);
    }
    for (const o of t.oneofsArray as any[]) {
      const members = (o.oneof as string[]).slice();
      const synthetic = members.length === 1 && fields.get(members[0]!)?.optional === true;
      if (synthetic) continue;
      wrapped.oneofs.push({ name: o.name, fields: members, required: o.options?.['(validate.required)'] === true });
    }
    return wrapped;
  }

  cached = { message, loadMs };
  return cached;
}

/** protoc's lowerCamelCase JSON name. */
function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Merges every `(validate.rules)` entry protobufjs parsed for a field (it may split them). */
function pgvRules(parsed: unknown): PgvRules | undefined {
  if (!Array.isArray(parsed)) return undefined;
  let out: PgvRules | undefined;
  for (const po of parsed as Record<string, unknown>[]) {
    const r = po['(validate.rules)'];
    if (r && typeof r === 'object') out = deepMerge(out ?? {}, r as Record<string, unknown>) as PgvRules;
  }
  return out;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const both =
      prev && v && typeof prev === 'object' && typeof v === 'object' && !Array.isArray(prev) && !Array.isArray(v);
    out[k] = both ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
