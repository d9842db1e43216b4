/**
 * Auto-layout of the whole graph with ELK's layered algorithm: data flows
 * left to right, ports keep their order on the card, and each module's
 * nodes are laid out inside their own box so frames do not overlap.
 */
import ELK, { type ElkExtendedEdge, type ElkNode } from 'elkjs/lib/elk.bundled.js';
import type { GraphDocument } from '../../core/graph/schema';
import { nodeDef } from '../editor/catalog';
import type { Position } from '../editor/edits';
import { FRAME_PADDING, FRAME_TITLE, NODE_WIDTH, nodeHeight, portCenterY } from '../canvas/geometry';

let elk: InstanceType<typeof ELK> | undefined;

const portId = (node: string, side: 'in' | 'out', port: string) => `${node}\u0000${side}\u0000${port}`;

export async function autoLayout(doc: GraphDocument): Promise<Record<string, Position>> {
  elk ??= new ELK();
  const nodeIds = new Set(doc.nodes.map((n) => n.id));
  const leaf = (id: string, type: string): ElkNode => {
    const def = nodeDef(type);
    const inputs = def ? Object.keys(def.inputs) : [];
    const outputs = def ? Object.keys(def.outputs) : [];
    const rowY = portCenterY;
    return {
      id,
      width: NODE_WIDTH,
      height: nodeHeight(def),
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
      ports: [
        ...inputs.map((p, i) => ({ id: portId(id, 'in', p), x: 0, y: rowY(i), width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST' } })),
        ...outputs.map((p, i) => ({ id: portId(id, 'out', p), x: NODE_WIDTH, y: rowY(i), width: 1, height: 1, layoutOptions: { 'elk.port.side': 'EAST' } })),
      ],
    };
  };
  const owner = new Map<string, string>();
  for (const m of doc.modules) for (const id of m.nodes) if (nodeIds.has(id)) owner.set(id, m.id);
  const children: ElkNode[] = doc.nodes.filter((n) => !owner.has(n.id)).map((n) => leaf(n.id, n.type));
  const containers = new Map<string, ElkNode>();
  for (const m of doc.modules) {
    const members = doc.nodes.filter((n) => owner.get(n.id) === m.id);
    if (members.length === 0) continue;
    const box: ElkNode = {
      id: `module\u0000${m.id}`,
      children: members.map((n) => leaf(n.id, n.type)),
      layoutOptions: { 'elk.padding': `[top=${FRAME_PADDING + FRAME_TITLE},left=${FRAME_PADDING},bottom=${FRAME_PADDING},right=${FRAME_PADDING}]` },
    };
    containers.set(m.id, box);
    children.push(box);
  }
  const edges: ElkExtendedEdge[] = doc.edges
    .filter((e) => nodeIds.has(e.from.node) && nodeIds.has(e.to.node))
    .map((e, i) => ({ id: `e${i}`, sources: [portId(e.from.node, 'out', e.from.port)], targets: [portId(e.to.node, 'in', e.to.port)] }));
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.layered.spacing.nodeNodeBetweenLayers': '90',
      'elk.spacing.nodeNode': '40',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
    },
    children,
    edges,
  };
  const laid = await elk.layout(graph);
  const positions: Record<string, Position> = {};
  const visit = (node: ElkNode, dx: number, dy: number) => {
    for (const child of node.children ?? []) {
      const x = dx + (child.x ?? 0);
      const y = dy + (child.y ?? 0);
      if (nodeIds.has(child.id)) positions[child.id] = { x, y };
      else visit(child, x, y);
    }
  };
  visit(laid, 0, 0);
  return positions;
}
