// How the strict walker names places and values: key paths as a reader writes them, lists of
// names in prose, and map keys (always JSON strings) as the scalar they spell.
import { checkScalar, type Scalar } from './scalars.ts';

export const join = (path: string, key: string): string =>
  /^@?[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;

export const listNames = (names: string[], last: string): string =>
  names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} ${last} ${names[names.length - 1]}`;

/** Map keys are always JSON strings; integer and bool keys are spelled out. */
export function mapKey(keyType: string, k: string): Scalar | undefined {
  if (keyType === 'string') return k;
  if (keyType === 'bool') return k === 'true' || k === 'false' ? k === 'true' : undefined;
  const c = checkScalar(keyType, k);
  return c.ok ? c.value : undefined;
}
