/**
 * Positions for nodes that have none (hand-written files, graphs from other
 * tools) and for templates: columns by longest path from the inputs and,
 * optionally, bands by spatial resolution. Fast and synchronous, so a graph
 * opens laid out; the elk auto-layout command does the careful job on request.
 */
import type { GraphDocument } from '../../core/graph/schema';
import { inferGraph } from '../../core/graph/infer';
import { nodeDef, registries } from '../editor/catalog';
import { NODE_WIDTH, nodeHeight } from '../canvas/geometry';

const COLUMN_GAP = 90;
const ROW_GAP = 40;

export function layeredPositions(
  doc: GraphDocument,
  options: { byResolution?: boolean; columnWidth?: number } = {},
): Record<string, { x: number; y: number }> {
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
  const level = options.byResolution ? resolutionLevels(doc, incoming) : new Map<string, number>();
  // Cells are (level, column); each level is a horizontal band as tall as its fullest cell.
  const cells = new Map<string, string[]>();
  const cellKey = (l: number, c: number) => `${l}:${c}`;
  for (const node of doc.nodes) {
    const key = cellKey(level.get(node.id) ?? 0, depthOf(node.id));
    const list = cells.get(key);
    if (list) list.push(node.id);
    else cells.set(key, [node.id]);
  }
  const typeOf = new Map(doc.nodes.map((n) => [n.id, n.type]));
  const height = (id: string) => nodeHeight(nodeDef(typeOf.get(id) ?? '')) + ROW_GAP;
  const bandHeight = new Map<number, number>();
  for (const [key, ids] of cells) {
    const l = Number(key.split(':')[0]);
    bandHeight.set(l, Math.max(bandHeight.get(l) ?? 0, ids.reduce((sum, id) => sum + height(id), 0)));
  }
  const bandTop = new Map<number, number>();
  let top = 0;
  for (const l of [...bandHeight.keys()].sort((a, b) => a - b)) {
    bandTop.set(l, top);
    top += bandHeight.get(l)! + (options.byResolution ? ROW_GAP : 0);
  }
  const positions: Record<string, { x: number; y: number }> = {};
  for (const [key, ids] of cells) {
    const [l, column] = key.split(':').map(Number);
    let y = bandTop.get(l)!;
    for (const id of ids) {
      positions[id] = { x: column * (options.columnWidth ?? NODE_WIDTH + COLUMN_GAP), y };
      y += height(id);
    }
  }
  return positions;
}

/**
 * How many halvings of resolution each node sits below the input: an
 * encoder walks down, a decoder walks back up, so a U-Net looks like a U.
 * Nodes without a spatial output stay at the level of what feeds them.
 */
function resolutionLevels(doc: GraphDocument, incoming: Map<string, string[]>): Map<string, number> {
  const inferred = inferGraph(doc, registries).nodes;
  const heightOf = (id: string): number | undefined => {
    for (const type of Object.values(inferred[id]?.outputs ?? {})) {
      const shape = type.shape;
      if (shape && shape.length === 4 && typeof shape[1] === 'number') return shape[1];
    }
    return undefined;
  };
  const heights = doc.nodes.map((n) => heightOf(n.id)).filter((h): h is number => h !== undefined);
  const top = heights.length > 0 ? Math.max(...heights) : 1;
  const levels = new Map<string, number>();
  const levelOf = (id: string, seen = new Set<string>()): number => {
    const known = levels.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return 0;
    seen.add(id);
    const h = heightOf(id);
    const sources = incoming.get(id) ?? [];
    const l = h !== undefined ? Math.max(0, Math.round(Math.log2(top / h))) : sources.length > 0 ? Math.max(...sources.map((s) => levelOf(s, seen))) : 0;
    levels.set(id, l);
    return l;
  };
  for (const n of doc.nodes) levelOf(n.id);
  return levels;
}

/** The document with a position for every node (unchanged when all have one). */
export function withLayout(doc: GraphDocument): GraphDocument {
  if (doc.nodes.every((n) => doc.layout.nodes[n.id])) return doc;
  const computed = layeredPositions(doc);
  const nodes = { ...doc.layout.nodes };
  for (const n of doc.nodes) if (!nodes[n.id]) nodes[n.id] = computed[n.id];
  return { ...doc, layout: { ...doc.layout, nodes } };
}
