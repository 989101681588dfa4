// Protobuf's well-known types (but wrappers and Any, which the walker handles) in the proto3 JSON
// mapping Envoy's loader accepts: what each value must look like, and what it normalizes to.
import { checkTimestamp, describe, isPlainObject, parseDuration, type Scalar } from './scalars.ts';

const DURATION = 'google.protobuf.Duration';

/** The value's normal form (duration nanos, timestamp, or "a message"), undefined when reported, null when not well-known. */
export function wellKnownValue(
  name: string,
  v: unknown,
  report: (message: string) => void,
): Scalar | { message: true } | undefined | null {
  switch (name) {
    case DURATION: {
      const d = parseDuration(v);
      if (!d.ok) report(d.message);
      return d.ok ? d.nanos : undefined;
    }
    case 'google.protobuf.Timestamp': {
      const t = checkTimestamp(v);
      if (!t.ok) report(t.message);
      return t.ok ? t.value : undefined;
    }
    case 'google.protobuf.Struct':
      if (!isPlainObject(v)) report(`expected an object (Struct), got ${describe(v)}`);
      return { message: true };
    case 'google.protobuf.Value':
      return { message: true };
    case 'google.protobuf.ListValue':
      if (!Array.isArray(v)) report(`expected a list (ListValue), got ${describe(v)}`);
      return { message: true };
    case 'google.protobuf.FieldMask':
      if (typeof v !== 'string') report(`expected a comma-separated field mask string, got ${describe(v)}`);
      return { message: true };
    case 'google.protobuf.Empty':
      if (!isPlainObject(v) || Object.keys(v).length > 0) report(`expected an empty object {}, got ${describe(v)}`);
      return { message: true };
    default:
      return null;
  }
}
