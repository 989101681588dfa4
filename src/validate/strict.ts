// Strict walk of a YAML/JSON document over Envoy's reflected proto types: the proto3 JSON
// mapping Envoy's loader accepts, with unknown fields rejected and PGV rules applied.
import type { Problem } from '../errors.ts';
import { anyRules, durationRules, enumRules, isEmpty, scalarRules } from './pgv.ts';
import { loadProtos, type ProtoField, type ProtoMessage, type ProtoRegistry, type PgvRules } from './protos.ts';
import { checkScalar, describe, isPlainObject, scalarDefault, WRAPPERS, type Scalar } from './scalars.ts';
import { wellKnownValue } from './well-known.ts';
import { join, listNames, mapKey } from './names.ts';
import { didYouMean } from './suggest.ts';

export interface ValidateContext {
  /** File name put into every Problem. */
  file: string;
  /** Path prefix of the document inside the file (e.g. `resources[0]`). */
  path?: string;
  /** Defaults to the process-wide cached registry. */
  registry?: ProtoRegistry;
  /** Deprecated fields and enum values are problems unless this is 'ignore'. */
  deprecated?: 'error' | 'ignore';
}

/** What a value normalizes to for PGV: scalar, enum number, duration nanos, Any type URL. */
type Norm = Scalar | { typeUrl: string } | { message: true };

const DURATION = 'google.protobuf.Duration';
const ANY = 'google.protobuf.Any';

class Walker {
  readonly problems: Problem[] = [];
  constructor(
    private readonly reg: ProtoRegistry,
    private readonly file: string,
    private readonly deprecated: boolean,
  ) {}

  report(path: string, message: string): void {
    this.problems.push({ file: this.file, path, message });
  }

  /** A non-null value of a message type; returns what PGV rules on the field see. */
  message(msg: ProtoMessage, v: unknown, path: string): Norm | undefined {
    const special = this.wellKnown(msg, v, path);
    if (special !== null) return special;
    if (!isPlainObject(v)) {
      this.report(path, `expected an object (${msg.fullName}), got ${describe(v)}`);
      return undefined;
    }
    this.fields(msg, v, path);
    return { message: true };
  }

  /** JSON-special well-known types; null when `msg` is an ordinary message. */
  private wellKnown(msg: ProtoMessage, v: unknown, path: string): Norm | undefined | null {
    const wrapped = WRAPPERS[msg.fullName];
    if (wrapped) return this.scalar(wrapped, v, path);
    if (msg.fullName === ANY) return this.any(v, path);
    return wellKnownValue(msg.fullName, v, (m) => this.report(path, m));
  }

  private scalar(type: string, v: unknown, path: string): Scalar | undefined {
    const c = checkScalar(type, v);
    if (!c.ok) this.report(path, c.message);
    return c.ok ? c.value : undefined;
  }

  /** `{"@type": "type.googleapis.com/<full name>", ...fields}`; WKTs carry their JSON in `value`. */
  private any(v: unknown, path: string): Norm | undefined {
    if (!isPlainObject(v)) {
      this.report(path, `expected an object with "@type" (Any), got ${describe(v)}`);
      return undefined;
    }
    const url = v['@type'];
    if (typeof url !== 'string' || !url.includes('/')) {
      this.report(
        join(path, '@type'),
        url === undefined
          ? 'missing: an Any needs "@type": "type.googleapis.com/<message full name>"'
          : `expected a type URL "type.googleapis.com/<message full name>", got ${describe(url)}`,
      );
      return undefined;
    }
    const typeName = url.slice(url.lastIndexOf('/') + 1);
    const inner = this.reg.message(typeName);
    if (!inner) {
      this.report(
        join(path, '@type'),
        `unknown type ${typeName} (not a message in Envoy's API, or not one this tool uses)`,
      );
      return { typeUrl: url };
    }
    const rest = Object.fromEntries(Object.entries(v).filter(([k]) => k !== '@type'));
    const special =
      typeName === ANY ||
      WRAPPERS[typeName] !== undefined ||
      (typeName.startsWith('google.protobuf.') &&
        ['Duration', 'Timestamp', 'Struct', 'Value', 'ListValue', 'FieldMask', 'Empty'].includes(typeName.slice(16)));
    if (special) {
      const extra = Object.keys(rest).filter((k) => k !== 'value');
      for (const k of extra) this.report(join(path, k), `unknown field: an Any holding ${typeName} has only "value"`);
      if ('value' in rest) this.message(inner, rest.value, join(path, 'value'));
      else if (typeName !== 'google.protobuf.Empty') this.report(path, `an Any holding ${typeName} needs "value"`);
    } else {
      this.fields(inner, rest, path);
    }
    return { typeUrl: url };
  }

  /** Every key of an object message, then its oneofs and the PGV rules of every field. */
  private fields(msg: ProtoMessage, obj: Record<string, unknown>, path: string): void {
    const seen = new Map<string, { key: string; value: unknown }>();
    for (const [key, value] of Object.entries(obj)) {
      const field = msg.lookup.get(key);
      const at = join(path, key);
      if (!field) {
        this.report(at, `unknown field (not in ${msg.fullName})${didYouMean(key, msg.fields.keys())}`);
        continue;
      }
      const prev = seen.get(field.name);
      if (prev) {
        this.report(at, `${field.name} is set twice (as "${prev.key}" and "${key}")`);
        continue;
      }
      seen.set(field.name, { key, value });
      if (this.deprecated && field.deprecated && value !== null) {
        this.report(
          at,
          `deprecated field${field.deprecatedSince ? ` (since API ${field.deprecatedSince})` : ''}: Envoy warns, and rejects it when deprecated features are disallowed`,
        );
      }
    }
    const present = (name: string): boolean => {
      const s = seen.get(name);
      return s !== undefined && (s.value !== null || msg.fields.get(name)?.type === 'google.protobuf.Value');
    };
    for (const o of msg.oneofs) {
      const set = o.fields.filter(present);
      if (set.length > 1) {
        this.report(
          path,
          `${listNames(set, 'and')} are ${set.length === 2 ? 'both' : 'all'} set, but they are one oneof "${o.name}"`,
        );
      } else if (set.length === 0 && o.required && !msg.pgvDisabled) {
        this.report(path, `one of ${listNames(o.fields, 'or')} is required (oneof "${o.name}")`);
      }
    }
    for (const field of msg.fields.values()) {
      const s = seen.get(field.name);
      const at = join(path, s?.key ?? field.name);
      const rules = msg.pgvDisabled ? undefined : field.rules;
      if (s && present(field.name)) this.field(field, s.value, at, rules);
      else this.absent(field, at, rules);
    }
  }

  /** A present field value: walk it, then apply its PGV rules. */
  private field(field: ProtoField, v: unknown, path: string, rules: PgvRules | undefined): void {
    if (field.map) return this.mapField(field, v, path, rules);
    if (field.repeated) return this.repeatedField(field, v, path, rules);
    const norm = this.single(field, v, path);
    if (rules && norm !== undefined) this.singleRules(field, rules, norm, path);
  }

  private single(field: ProtoField, v: unknown, path: string): Norm | undefined {
    const m = field.resolvedMessage;
    if (m) return this.message(m, v, path);
    const e = field.resolvedEnum;
    if (e) {
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && e.values.has(v)) {
        if (this.deprecated && e.deprecated.has(v)) this.report(path, `deprecated enum value ${v}`);
        return e.values.get(v)!;
      }
      const allowed = [...e.values.keys()].filter((k) => !e.deprecated.has(k));
      this.report(
        path,
        `${typeof v === 'string' ? `unknown value "${v}"` : `expected an enum name, got ${describe(v)}`} for ${e.fullName}${typeof v === 'string' ? didYouMean(v, allowed) : ''}; allowed: ${allowed.join(', ')}`,
      );
      return undefined;
    }
    return this.scalar(field.type, v, path);
  }

  private repeatedField(field: ProtoField, v: unknown, path: string, rules: PgvRules | undefined): void {
    if (!Array.isArray(v)) {
      this.report(path, `expected a list, got ${describe(v)}`);
      return;
    }
    const norms = v.map((item, i) =>
      item === null
        ? (this.report(`${path}[${i}]`, 'null in a list'), undefined)
        : this.single(field, item, `${path}[${i}]`),
    );
    const r = rules?.repeated;
    if (!r) return;
    this.countRules(r, v.length, path, 'items');
    if (r.unique) {
      const seen = new Set<string>();
      v.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) this.report(`${path}[${i}]`, 'duplicate item: items must be unique');
        seen.add(key);
      });
    }
    const items = r.items as PgvRules | undefined;
    if (items) norms.forEach((n, i) => n !== undefined && this.singleRules(field, items, n, `${path}[${i}]`));
  }

  private mapField(field: ProtoField, v: unknown, path: string, rules: PgvRules | undefined): void {
    if (!isPlainObject(v)) {
      this.report(path, `expected an object (map), got ${describe(v)}`);
      return;
    }
    const r = rules?.map;
    const keyType = field.keyType ?? 'string';
    for (const [k, item] of Object.entries(v)) {
      const at = join(path, k);
      const key = mapKey(keyType, k);
      if (key === undefined) this.report(at, `map key ${JSON.stringify(k)} is not a valid ${keyType}`);
      const norm = item === null ? undefined : this.single(field, item, at);
      const keyRules = r?.keys as PgvRules | undefined;
      if (keyRules && key !== undefined) this.reportAll(at, scalarRules(keyType, keyRules[keyType] ?? {}, key));
      const valueRules = r?.values as PgvRules | undefined;
      if (valueRules && norm !== undefined) this.singleRules(field, valueRules, norm, at);
    }
    if (r) this.countRules(r, Object.keys(v).length, path, 'pairs');
  }

  private countRules(r: Record<string, unknown>, n: number, path: string, what: 'items' | 'pairs'): void {
    const min = Number(r[`min_${what}`] ?? 0);
    const max = r[`max_${what}`] === undefined ? Infinity : Number(r[`max_${what}`]);
    const count = (k: number): string => `${k} ${k === 1 ? what.slice(0, -1) : what}`;
    if (n < min)
      this.report(path, n === 0 ? `is required (at least ${count(min)})` : `needs at least ${count(min)}, got ${n}`);
    if (n > max) this.report(path, `allows at most ${count(max)}, got ${n}`);
  }

  /** PGV rules for an absent field: required checks, and proto3 scalars as their default. */
  private absent(field: ProtoField, path: string, rules: PgvRules | undefined): void {
    if (!rules) return;
    if (field.map) return void (rules.map && this.countRules(rules.map, 0, path, 'pairs'));
    if (field.repeated)
      return void (
        rules.repeated &&
        rules.repeated.ignore_empty !== true &&
        this.countRules(rules.repeated, 0, path, 'items')
      );
    // Members of a oneof and proto3 `optional` fields have presence: rules apply only when set.
    if (field.partOf || field.optional) return;
    if (field.resolvedMessage) {
      const t = field.resolvedMessage.fullName;
      const required =
        rules.message?.required === true ||
        (t === DURATION && rules.duration?.required === true) ||
        (t === ANY && rules.any?.required === true) ||
        (t === 'google.protobuf.Timestamp' && rules.timestamp?.required === true);
      if (required) this.report(path, 'is required');
      return;
    }
    this.singleRules(field, rules, field.resolvedEnum ? 0 : scalarDefault(field.type), path);
  }

  /** Rules on one value (a singular field, a list item or a map value). */
  private singleRules(field: ProtoField, rules: PgvRules, norm: Norm, path: string): void {
    const m = field.resolvedMessage;
    if (m) {
      const wrapped = WRAPPERS[m.fullName];
      if (wrapped && rules[wrapped] && typeof norm !== 'object')
        return this.scalarRules(wrapped, rules[wrapped]!, norm, path);
      if (m.fullName === DURATION && rules.duration && typeof norm === 'bigint')
        return this.reportAll(path, durationRules(rules.duration, norm));
      if (m.fullName === ANY && rules.any && typeof norm === 'object' && 'typeUrl' in norm)
        return this.reportAll(path, anyRules(rules.any, norm.typeUrl));
      return;
    }
    const e = field.resolvedEnum;
    if (e && rules.enum && typeof norm === 'number') return this.reportAll(path, enumRules(rules.enum, norm, e));
    const r = rules[field.type];
    if (r && typeof norm !== 'object') this.scalarRules(field.type, r, norm, path);
  }

  private scalarRules(kind: string, r: Record<string, unknown>, v: Scalar, path: string): void {
    if (r.ignore_empty === true && isEmpty(v)) return;
    this.reportAll(path, scalarRules(kind, r, v));
  }

  private reportAll(path: string, messages: string[]): void {
    for (const m of messages) this.report(path, m);
  }
}

/** Problems of `doc` as a `typeName` message (full proto name, e.g. envoy.config.cluster.v3.Cluster). */
export function validateMessage(typeName: string, doc: unknown, ctx: ValidateContext): Problem[] {
  const reg = ctx.registry ?? loadProtos();
  const msg = reg.message(typeName);
  if (!msg) throw new Error(`validateMessage: unknown proto message ${typeName}`);
  const w = new Walker(reg, ctx.file, ctx.deprecated !== 'ignore');
  if (doc === null || doc === undefined) w.report(ctx.path ?? '', `expected ${typeName}, got an empty document`);
  else w.message(msg, doc, ctx.path ?? '');
  return w.problems;
}
