/**
 * Writes docs/appliance-action.schema.json from APPLIANCE_ACTION_SCHEMA
 * (test/appliance-action.test.ts fails when the two differ).
 *
 *   npx tsx scripts/write-action-schema.ts
 */
import { writeFile } from 'node:fs/promises';
import { APPLIANCE_ACTION_SCHEMA } from '../src/appliance/action.js';

const path = new URL('../docs/appliance-action.schema.json', import.meta.url);
await writeFile(path, `${JSON.stringify(APPLIANCE_ACTION_SCHEMA, null, 2)}\n`);
console.log(`wrote ${path.pathname}`);
