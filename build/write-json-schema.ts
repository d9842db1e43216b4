/**
 * `npm run gen:schema`: writes the graph file JSON Schema for the node
 * library the app ships (core/graph/tensorweave.graph.schema.json). Run it
 * after adding or changing a node or dataset type; a test fails when the
 * committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { graphJsonSchemaText } from '../core/graph/json-schema';
import { nodeLibrary } from '../nodes/library';

const file = fileURLToPath(new URL('../core/graph/tensorweave.graph.schema.json', import.meta.url));
writeFileSync(file, graphJsonSchemaText(nodeLibrary));
console.log(`wrote ${file}`);
