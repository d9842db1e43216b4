/** Where the graph meets its dataset: the nodes that read it (`readsDataset` on their type) and the fields their wires use. */
import type { GraphDocument } from '../graph/schema';
import type { GraphRegistries } from '../node-api';
import { nodeDefinition } from '../graph/lookup';

/** Fields of the dataset that some wire actually uses, so unused ones are never batched. */
export function datasetFieldsUsed(graph: GraphDocument, registries: GraphRegistries): string[] {
  const inputs = new Set(graph.nodes.filter((n) => nodeDefinition(registries, n.type)?.readsDataset).map((n) => n.id));
  return [...new Set(graph.edges.filter((e) => inputs.has(e.from.node)).map((e) => e.from.port))];
}
