// protoc-gen-validate rules on single values (numbers, strings, enums, durations, Any).
// Each check returns messages; the walker decides presence and where to report them.
import { isIP } from 'node:net';
import type { ProtoEnum } from './protos.ts';
import { formatDuration, type Scalar } from './scalars.ts';

type Rules = Record<string, unknown>;
type Num = number | bigint;

const asList = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function toNum(v: unknown, big: boolean): Num | undefined {
  if (typeof v === 'number') return big ? BigInt(Math.trunc(v)) : v;
  if (typeof v === 'bigint') return big ? v : Number(v);
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return big ? BigInt(v) : Number(v);
  // protobufjs gives Long-like {low, high} for literals past 2^53
  if (v && typeof v === 'object' && 'toString' in v) return toNum(String(v), big);
  return undefined;
}

/**
 * const / lt / lte / gt / gte / in / not_in. As in PGV, a lower bound above the upper bound
 * means "outside the range".
 */
function range(r: Rules, v: Num, conv: (x: unknown) => Num | undefined, show: (x: Num) => string): string[] {
  const out: string[] = [];
  const c = conv(r.const);
  if (c !== undefined && v !== c) out.push(`must equal ${show(c)}, got ${show(v)}`);
  const gt = conv(r.gt);
  const gte = conv(r.gte);
  const lt = conv(r.lt);
  const lte = conv(r.lte);
  const lower = gt ?? gte;
  const upper = lt ?? lte;
  const above = gt !== undefined ? v > gt : gte !== undefined ? v >= gte : true;
  const below = lt !== undefined ? v < lt : lte !== undefined ? v <= lte : true;
  const lowText = gt !== undefined ? `> ${show(gt)}` : gte !== undefined ? `>= ${show(gte)}` : '';
  const upText = lt !== undefined ? `< ${show(lt)}` : lte !== undefined ? `<= ${show(lte)}` : '';
  if (lower !== undefined && upper !== undefined && upper < lower) {
    if (!above && !below) out.push(`must be ${lowText} or ${upText}, got ${show(v)}`);
  } else if (!above || !below) {
    out.push(`must be ${[lowText, upText].filter(Boolean).join(' and ')}, got ${show(v)}`);
  }
  const inList = asList(r.in).map(conv);
  if (inList.length && !inList.includes(v))
    out.push(`must be one of ${inList.map((x) => show(x!)).join(', ')}, got ${show(v)}`);
  if (asList(r.not_in).map(conv).includes(v)) out.push(`must not be ${show(v)}`);
  return out;
}

export function numberRules(r: Rules, v: Num): string[] {
  const big = typeof v === 'bigint';
  return range(r, v, (x) => toNum(x, big), String);
}

/** Duration rule bounds are `{seconds, nanos}` messages; `gt {}` is zero. */
function durationNanos(x: unknown): bigint | undefined {
  if (x === undefined || x === null || typeof x !== 'object') return undefined;
  const d = x as { seconds?: unknown; nanos?: unknown };
  return (toNum(d.seconds ?? 0, true) as bigint) * 1_000_000_000n + (toNum(d.nanos ?? 0, true) as bigint);
}

export function durationRules(r: Rules, nanos: bigint): string[] {
  const conv = (x: unknown): bigint | undefined => durationNanos(x);
  return range(r, nanos, conv, (n) => formatDuration(BigInt(n)));
}

const HEADER_NAME_STRICT = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
const HEADER_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isHostname(s: string): boolean {
  const h = s.endsWith('.') ? s.slice(0, -1) : s;
  if (h.length === 0 || h.length > 253) return false;
  return h.split('.').every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

function wellKnown(r: Rules, s: string): string | undefined {
  if (r.hostname && !isHostname(s)) return `must be a valid hostname, got ${JSON.stringify(s)}`;
  if (r.ip && !isIP(s)) return `must be an IP address, got ${JSON.stringify(s)}`;
  if (r.ipv4 && isIP(s) !== 4) return `must be an IPv4 address, got ${JSON.stringify(s)}`;
  if (r.ipv6 && isIP(s) !== 6) return `must be an IPv6 address, got ${JSON.stringify(s)}`;
  if (r.address && !isIP(s) && !isHostname(s)) return `must be a hostname or IP address, got ${JSON.stringify(s)}`;
  if (r.uuid && !UUID.test(s)) return `must be a UUID, got ${JSON.stringify(s)}`;
  if (r.email && !/^[^@\s]+@[^@\s]+$/.test(s)) return `must be an email address, got ${JSON.stringify(s)}`;
  if (r.uri && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) return `must be an absolute URI, got ${JSON.stringify(s)}`;
  const strict = r.strict !== false;
  if (r.well_known_regex === 'HTTP_HEADER_NAME' && !(strict ? HEADER_NAME_STRICT : HEADER_LOOSE).test(s)) {
    return `must be a valid HTTP header name, got ${JSON.stringify(s)}`;
  }
  if (r.well_known_regex === 'HTTP_HEADER_VALUE' && !(strict ? HEADER_VALUE_STRICT : HEADER_LOOSE).test(s)) {
    return `must be a valid HTTP header value, got ${JSON.stringify(s)}`;
  }
  return undefined;
}

const patterns = new Map<string, RegExp | null>();
function compiled(p: string): RegExp | null {
  if (!patterns.has(p)) {
    try {
      patterns.set(p, new RegExp(p, 'u'));
    } catch {
      patterns.set(p, null); // RE2 syntax JS cannot read: not checked
    }
  }
  return patterns.get(p)!;
}

export function stringRules(r: Rules, s: string): string[] {
  const out: string[] = [];
  const chars = [...s].length;
  const bytes = Buffer.byteLength(s);
  const n = (x: unknown): number | undefined => toNum(x, false) as number | undefined;
  const q = JSON.stringify(s);
  if (typeof r.const === 'string' && s !== r.const) out.push(`must equal ${JSON.stringify(r.const)}, got ${q}`);
  const len = n(r.len);
  if (len !== undefined && chars !== len) out.push(`must be exactly ${len} characters long, got ${q}`);
  const minLen = n(r.min_len) ?? 0;
  const minBytes = n(r.min_bytes) ?? 0;
  if (s === '' && (minLen > 0 || minBytes > 0)) out.push('is required (must not be empty)');
  else if (chars < minLen) out.push(`must be at least ${minLen} characters long, got ${q}`);
  else if (bytes < minBytes) out.push(`must be at least ${minBytes} bytes long, got ${q}`);
  const maxLen = n(r.max_len);
  if (maxLen !== undefined && chars > maxLen) out.push(`must be at most ${maxLen} characters long, got ${chars}`);
  const maxBytes = n(r.max_bytes);
  if (maxBytes !== undefined && bytes > maxBytes) out.push(`must be at most ${maxBytes} bytes long, got ${bytes}`);
  if (typeof r.prefix === 'string' && !s.startsWith(r.prefix))
    out.push(`must start with ${JSON.stringify(r.prefix)}, got ${q}`);
  if (typeof r.suffix === 'string' && !s.endsWith(r.suffix))
    out.push(`must end with ${JSON.stringify(r.suffix)}, got ${q}`);
  if (typeof r.contains === 'string' && !s.includes(r.contains))
    out.push(`must contain ${JSON.stringify(r.contains)}, got ${q}`);
  if (typeof r.not_contains === 'string' && s.includes(r.not_contains))
    out.push(`must not contain ${JSON.stringify(r.not_contains)}`);
  if (typeof r.pattern === 'string' && compiled(r.pattern) && !compiled(r.pattern)!.test(s)) {
    out.push(`must match /${r.pattern}/, got ${q}`);
  }
  const inList = asList(r.in);
  if (inList.length && !inList.includes(s))
    out.push(`must be one of ${inList.map((x) => JSON.stringify(x)).join(', ')}, got ${q}`);
  if (asList(r.not_in).includes(s)) out.push(`must not be ${q}`);
  // Well-known formats say nothing about an empty string; min_len decides that.
  const wk = s === '' ? undefined : wellKnown(r, s);
  if (wk) out.push(wk);
  return out;
}

export function bytesRules(r: Rules, b64: string): string[] {
  const size = Buffer.from(b64, 'base64').length;
  const out: string[] = [];
  const min = toNum(r.min_len, false);
  const max = toNum(r.max_len, false);
  const len = toNum(r.len, false);
  if (min !== undefined && size < min) out.push(`must be at least ${min} bytes, got ${size}`);
  if (max !== undefined && size > max) out.push(`must be at most ${max} bytes, got ${size}`);
  if (len !== undefined && size !== len) out.push(`must be exactly ${len} bytes, got ${size}`);
  return out;
}

export function boolRules(r: Rules, v: boolean): string[] {
  return typeof r.const === 'boolean' && v !== r.const ? [`must be ${r.const}`] : [];
}

export function enumRules(r: Rules, v: number, def: ProtoEnum): string[] {
  const out: string[] = [];
  const name = (x: number): string => def.byNumber.get(x) ?? String(x);
  if (r.defined_only && !def.byNumber.has(v)) {
    out.push(`${v} is not a value of ${def.fullName}; allowed: ${[...def.values.keys()].join(', ')}`);
  }
  if (typeof r.const === 'number' && v !== r.const) out.push(`must be ${name(r.const)}, got ${name(v)}`);
  const inList = asList(r.in) as number[];
  if (inList.length && !inList.includes(v)) out.push(`must be one of ${inList.map(name).join(', ')}, got ${name(v)}`);
  if ((asList(r.not_in) as number[]).includes(v)) out.push(`must not be ${name(v)}`);
  return out;
}

export function anyRules(r: Rules, typeUrl: string): string[] {
  const inList = asList(r.in) as string[];
  if (inList.length && !inList.includes(typeUrl)) return [`@type must be one of ${inList.join(', ')}, got ${typeUrl}`];
  if ((asList(r.not_in) as string[]).includes(typeUrl)) return [`@type must not be ${typeUrl}`];
  return [];
}

/** Dispatches the rules for one scalar kind (`uint32`, `string`, ...) to its checker. */
export function scalarRules(kind: string, r: Rules, v: Scalar): string[] {
  if (kind === 'string' && typeof v === 'string') return stringRules(r, v);
  if (kind === 'bytes' && typeof v === 'string') return bytesRules(r, v);
  if (kind === 'bool' && typeof v === 'boolean') return boolRules(r, v);
  if (typeof v === 'number' || typeof v === 'bigint') return numberRules(r, v);
  return [];
}

/** True when the value is its type's default (for `ignore_empty`). */
export const isEmpty = (v: Scalar): boolean => v === '' || v === 0 || v === 0n || v === false;
