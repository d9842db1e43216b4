/**
 * Saving graphs. The text is canonical (keys in schema order, records
 * sorted, 2-space indent, trailing newline) so that saving an unchanged
 * graph rewrites the same bytes and diffs of graph files stay readable.
 */
import { sha256 } from './hash';
import { graphSchema, type GraphDocument } from './schema';
import { canonicalize } from './zod-walk';

export function serializeGraph(graph: GraphDocument): string {
  return `${JSON.stringify(canonicalize(graph, graphSchema), null, 2)}\n`;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const edgeKey = (e: GraphDocument['edges'][number]) => `${e.to.node}\u0000${e.to.port}\u0000${e.from.node}\u0000${e.from.port}`;

/**
 * The part of a graph that decides what trains: everything but display
 * (graph name and description, node labels, module names and docs, layout).
 * Nodes, edges and modules are sorted because their order in the file does
 * not change execution; optimizer order does (they step in turn), so it is kept.
 */
export function executablePart(graph: GraphDocument): unknown {
  return {
    format: graph.format,
    version: graph.version,
    nodes: [...graph.nodes]
      .sort((a, b) => byCodeUnit(a.id, b.id))
      .map((node) => ({ id: node.id, type: node.type, typeVersion: node.typeVersion, params: node.params })),
    edges: [...graph.edges].sort((a, b) => byCodeUnit(edgeKey(a), edgeKey(b))),
    modules: [...graph.modules]
      .sort((a, b) => byCodeUnit(a.id, b.id))
      .map((module) => ({ id: module.id, nodes: [...module.nodes].sort(byCodeUnit), init: module.init })),
    dataset: graph.dataset,
    training: graph.training,
  };
}

/**
 * SHA-256 (hex) of the executable part. Checkpoints record it, so a run can
 * tell whether it resumes the same model; moving nodes or renaming the graph
 * keeps the hash.
 */
export function graphHash(graph: GraphDocument): string {
  return sha256(JSON.stringify(canonicalize(executablePart(graph), graphSchema)));
}
