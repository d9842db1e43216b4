/**
 * `npm run gen:docs`: writes docs/nodes.md, the node reference, from the node
 * and dataset registries. Run it after adding or changing a node or dataset
 * type; a test fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeReferenceMarkdown } from '../core/cli/describe';
import { nodeRegistry } from '../nodes/registry';
import { datasetRegistry } from '../core/data/registry';

export const NODE_REFERENCE_FILE = fileURLToPath(new URL('../docs/nodes.md', import.meta.url));

writeFileSync(NODE_REFERENCE_FILE, nodeReferenceMarkdown({ nodes: nodeRegistry, datasets: datasetRegistry }));
console.log(`wrote ${NODE_REFERENCE_FILE}`);
