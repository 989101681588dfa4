// The inventory loader's public surface: find, read, validate and resolve hosts/<name>.yaml.
export { loadInventory, resolveInventoryPath, MAX_INVENTORY_BYTES } from './load.ts';
export { parseInventory, type ParseOptions } from './parse.ts';
export { mergedYaml } from './layers.ts';
export { inventorySchema, type RawInventory } from './schema.ts';
export type * from './types.ts';
export { ARCHES } from './types.ts';
