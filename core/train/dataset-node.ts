/** Where the graph meets its dataset: the input node type and the fields its wires use. */
import type { GraphDocument } from '../graph/schema';

export const DATASET_NODE_TYPE = 'input.dataset';

/** Fields of the dataset that some wire actually uses, so unused ones are never batched. */
export function datasetFieldsUsed(graph: GraphDocument): string[] {
  const inputs = new Set(graph.nodes.filter((n) => n.type === DATASET_NODE_TYPE).map((n) => n.id));
  return [...new Set(graph.edges.filter((e) => inputs.has(e.from.node)).map((e) => e.from.port))];
}
