/**
 * Positions for nodes that have none (hand-written files, graphs from other
 * tools): columns by longest path from the inputs, rows in file order. Fast
 * and synchronous, so a graph opens laid out; the elk auto-layout command
 * does the careful job on request.
 */
import type { GraphDocument } from '../../core/graph/schema';
import { nodeDef } from '../editor/catalog';
import { NODE_WIDTH, nodeHeight } from '../canvas/geometry';

const COLUMN_GAP = 90;
const ROW_GAP = 40;

export function layeredPositions(doc: Pick<GraphDocument, 'nodes' | 'edges'>): Record<string, { x: number; y: number }> {
  const ids = new Set(doc.nodes.map((n) => n.id));
  const incoming = new Map<string, string[]>();
  for (const e of doc.edges) {
    if (!ids.has(e.from.node) || !ids.has(e.to.node)) continue;
    const list = incoming.get(e.to.node);
    if (list) list.push(e.from.node);
    else incoming.set(e.to.node, [e.from.node]);
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    // A cycle (invalid, but it may be in a file) is cut where it closes.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const source of incoming.get(id) ?? []) d = Math.max(d, depthOf(source) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const columnHeights = new Map<number, number>();
  const positions: Record<string, { x: number; y: number }> = {};
  for (const node of doc.nodes) {
    const column = depthOf(node.id);
    const y = columnHeights.get(column) ?? 0;
    positions[node.id] = { x: column * (NODE_WIDTH + COLUMN_GAP), y };
    columnHeights.set(column, y + nodeHeight(nodeDef(node.type)) + ROW_GAP);
  }
  return positions;
}

/** The document with a position for every node (unchanged when all have one). */
export function withLayout(doc: GraphDocument): GraphDocument {
  if (doc.nodes.every((n) => doc.layout.nodes[n.id])) return doc;
  const computed = layeredPositions(doc);
  const nodes = { ...doc.layout.nodes };
  for (const n of doc.nodes) if (!nodes[n.id]) nodes[n.id] = computed[n.id];
  return { ...doc, layout: { ...doc.layout, nodes } };
}
