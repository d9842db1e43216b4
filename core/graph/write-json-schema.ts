/**
 * `npm run gen:schema`: writes the graph file JSON Schema next to this file.
 * Run it after adding or changing a node or dataset type; a test fails when
 * the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { graphJsonSchemaText } from './json-schema';

export const GRAPH_JSON_SCHEMA_FILE = fileURLToPath(new URL('./tensorweave.graph.schema.json', import.meta.url));

writeFileSync(GRAPH_JSON_SCHEMA_FILE, graphJsonSchemaText());
console.log(`wrote ${GRAPH_JSON_SCHEMA_FILE}`);
