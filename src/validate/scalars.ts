// The proto3 JSON mapping of scalar values and the JSON-special well-known types, as Envoy's
// YAML/JSON loader (protobuf's JSON parser, unknown fields rejected) accepts them.

/** A checked value normalized for PGV comparisons: 64-bit integers and durations as bigint. */
export type Scalar = number | bigint | string | boolean;

export type Checked = { ok: true; value: Scalar } | { ok: false; message: string };

const INT_RANGES: Record<string, [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

export const is64 = (type: string): boolean => type.endsWith('64') && type !== 'double';

/** `number 5`, `string "x"`, `a list`, ... for "expected X, got Y" messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

function integer(type: string, v: unknown): Checked {
  let n: bigint | undefined;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) n = BigInt(v.trim());
  else if (typeof v === 'number') return { ok: false, message: `expected an integer (${type}), got ${describe(v)}` };
  if (n === undefined) return { ok: false, message: `expected an integer (${type}), got ${describe(v)}` };
  const [lo, hi] = INT_RANGES[type]!;
  if (n < lo || n > hi) return { ok: false, message: `${n} is out of range for ${type} (${lo}..${hi})` };
  return { ok: true, value: is64(type) ? n : Number(n) };
}

function floating(type: string, v: unknown): Checked {
  let n: number | undefined;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'bigint') n = Number(v);
  else if (typeof v === 'string' && ['NaN', 'Infinity', '-Infinity'].includes(v)) n = Number(v);
  else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) n = Number(v);
  if (n === undefined) return { ok: false, message: `expected a number (${type}), got ${describe(v)}` };
  if (type === 'float' && Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38) {
    return { ok: false, message: `${n} is out of range for float` };
  }
  return { ok: true, value: n };
}

/** Checks a JSON value against a proto scalar type. */
export function checkScalar(type: string, v: unknown): Checked {
  if (type in INT_RANGES) return integer(type, v);
  switch (type) {
    case 'double':
    case 'float':
      return floating(type, v);
    case 'bool':
      return typeof v === 'boolean'
        ? { ok: true, value: v }
        : { ok: false, message: `expected true or false, got ${describe(v)}` };
    case 'string':
      return typeof v === 'string'
        ? { ok: true, value: v }
        : { ok: false, message: `expected a string, got ${describe(v)}` };
    case 'bytes':
      return typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v)
        ? { ok: true, value: v }
        : { ok: false, message: `expected base64-encoded bytes, got ${describe(v)}` };
    default:
      return { ok: false, message: `unsupported scalar type ${type}` };
  }
}

/** Scalar default of a proto3 field that is absent (PGV rules still apply to it). */
export function scalarDefault(type: string): Scalar {
  if (type === 'string' || type === 'bytes') return '';
  if (type === 'bool') return false;
  return is64(type) ? 0n : 0;
}

const MAX_DURATION_S = 315_576_000_000n;

/** google.protobuf.Duration in JSON: `"5s"`, `"0.250s"`, `"-1.5s"`; returns nanoseconds. */
export function parseDuration(v: unknown): { ok: true; nanos: bigint } | { ok: false; message: string } {
  const m = typeof v === 'string' ? /^(-?)(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
  if (!m) {
    return { ok: false, message: `expected a duration string such as "5s" or "0.250s", got ${describe(v)}` };
  }
  const seconds = BigInt(m[2]!);
  if (seconds > MAX_DURATION_S) return { ok: false, message: `duration ${String(v)} is out of range` };
  const nanos = seconds * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
  return { ok: true, nanos: m[1] ? -nanos : nanos };
}

/** Nanoseconds back to the JSON form, for messages. */
export function formatDuration(nanos: bigint): string {
  const neg = nanos < 0n;
  const abs = neg ? -nanos : nanos;
  const s = abs / 1_000_000_000n;
  const frac = (abs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${s}${frac ? `.${frac}` : ''}s`;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function checkTimestamp(v: unknown): Checked {
  return typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v))
    ? { ok: true, value: v }
    : { ok: false, message: `expected an RFC 3339 timestamp such as "2025-01-31T12:00:00Z", got ${describe(v)}` };
}

/** Wrapper message full name → the scalar it wraps (written as a plain value in JSON). */
export const WRAPPERS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
