/**
 * The editor's side of layout: card sizes, frame sizes and the resolution of
 * each node (from inferred shapes) handed to the one layout engine. Used for
 * templates as they open, files without positions, the Layout command and
 * gallery thumbnails. Synchronous, so a graph opens laid out.
 */
import type { GraphDocument } from '../../core/graph/schema';
import { inferGraph } from '../../core/graph/infer';
import { layoutGraph, type Positions } from '../../core/graph/layout';
import { nodeDef, registries } from '../editor/catalog';
import { COLLAPSED_WIDTH, collapsedHeight, FRAME_PADDING, FRAME_TITLE, NODE_WIDTH, nodeHeight } from '../canvas/geometry';

/** The graph laid out by the one layout engine (core/graph/layout.ts) with the editor's card sizes and inferred resolutions. */
export function architectureLayout(doc: GraphDocument): Positions {
  const typeOf = new Map(doc.nodes.map((n) => [n.id, n.type]));
  const levels = resolutionLevels(doc);
  return layoutGraph(doc, {
    size: (id) => ({ width: NODE_WIDTH, height: nodeHeight(nodeDef(typeOf.get(id) ?? '')) }),
    level: (id) => levels.get(id),
    frame: { top: FRAME_PADDING + FRAME_TITLE, side: FRAME_PADDING, bottom: FRAME_PADDING },
    collapsed: (moduleId) => (doc.layout.modules[moduleId]?.collapsed ? { width: COLLAPSED_WIDTH, height: collapsedHeight() } : undefined),
  });
}

/**
 * How many halvings of resolution each node sits below the input: an
 * encoder walks down, a decoder walks back up, so a U-Net looks like a U.
 * Nodes without a spatial output stay at the level of what feeds them.
 */
function resolutionLevels(doc: GraphDocument): Map<string, number> {
  const incoming = new Map<string, string[]>();
  for (const e of doc.edges) {
    const list = incoming.get(e.to.node);
    if (list) list.push(e.from.node);
    else incoming.set(e.to.node, [e.from.node]);
  }
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
  const computed = architectureLayout(doc);
  const nodes = { ...doc.layout.nodes };
  for (const n of doc.nodes) if (!nodes[n.id]) nodes[n.id] = computed[n.id];
  return { ...doc, layout: { ...doc.layout, nodes } };
}
