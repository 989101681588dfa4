// The inventory's JSON Schema, derived from the zod schema so the two never disagree. Checks
// that JSON Schema cannot express (IP validity, loopback, duplicates) stay with the loader.
import { z } from 'zod';
import { inventorySchema } from './schema.ts';

/** Pretty-printed with a trailing newline: the committed file's exact text. */
export function inventoryJsonSchema(): string {
  const schema = z.toJSONSchema(inventorySchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' });
  return `${JSON.stringify({ ...schema, title: 'envoy-k8s-proxy inventory' }, null, 2)}\n`;
}
