// The committed JSON Schema and the public surface of src/inventory.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as inventory from '../../../src/inventory/index.ts';
import { inventoryJsonSchema } from '../../../src/inventory/json-schema.ts';

describe('schema/inventory.schema.json', () => {
  it('is up to date with the zod schema (run `pnpm schema` after changing it)', () => {
    const committed = readFileSync(
      fileURLToPath(new URL('../../../schema/inventory.schema.json', import.meta.url)),
      'utf8',
    );
    expect(committed).toBe(inventoryJsonSchema());
  });

  it('forbids unknown keys and requires clusters and hosts', () => {
    const schema = JSON.parse(inventoryJsonSchema()) as { additionalProperties: boolean; required: string[] };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['clusters', 'hosts']);
  });
});

describe('src/inventory/index.ts', () => {
  it('exports exactly this API', () => {
    expect(Object.keys(inventory).sort()).toEqual([
      'ARCHES',
      'MAX_INVENTORY_BYTES',
      'inventorySchema',
      'loadInventory',
      'mergedYaml',
      'parseInventory',
      'resolveInventoryPath',
    ]);
  });
});
