// Writes schema/inventory.schema.json from the zod schema, for editors (yaml-language-server)
// and for anyone writing inventories by hand. `pnpm schema`; a unit test keeps it current.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inventoryJsonSchema } from '../src/inventory/json-schema.ts';

const target = fileURLToPath(new URL('../schema/inventory.schema.json', import.meta.url));
writeFileSync(target, inventoryJsonSchema());
console.log(`wrote ${target}`);
