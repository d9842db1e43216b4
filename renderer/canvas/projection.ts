/**
 * The canvas is a projection of the document: graph nodes become card
 * nodes, modules become frames behind their members (or one compact card
 * when collapsed), wires become edges labelled with the shape they carry.
 *
 * Projection runs on every edit, so it reuses the previous flow object of
 * every node whose inputs are unchanged: React Flow then re-renders only the
 * cards that changed and keeps their measured sizes.
 */
import type { Edge, Node } from '@xyflow/react';
import type { InferredNode } from '../../core/graph/infer';
import type { Problem } from '../../core/graph/problems';
import type { GraphDocument, GraphModule, GraphNode } from '../../core/graph/schema';
import type { AnyNodeDefinition } from '../../core/node-api';
import { formatValueType, type PortKind } from '../../core/types';
import type { Analysis } from '../editor/analysis';
import { nodeDef } from '../editor/catalog';
import { edgeId } from '../editor/edits';
import { trainableParameterCount } from '../editor/param-count';
import { cardHandles, COLLAPSED_WIDTH, collapsedHandles, collapsedHeight, FRAME_PADDING, FRAME_TITLE, NODE_WIDTH, nodeHeight } from './geometry';

export interface NodeCardData extends Record<string, unknown> {
  node: GraphNode;
  def: AnyNodeDefinition | undefined;
  inferred: InferredNode | undefined;
  problems: readonly Problem[] | undefined;
  moduleName: string | undefined;
}

export interface ModuleFrameData extends Record<string, unknown> {
  module: GraphModule;
  collapsed: boolean;
  /** Problems of member nodes, shown on the collapsed card. */
  errorCount: number;
  /** Trainable parameters of all members. */
  parameters: number;
  width: number;
  height: number;
}

export interface ShapeEdgeData extends Record<string, unknown> {
  label: string;
  kind: PortKind | undefined;
  /** The wire feeds a port whose node rejected it (shape mismatch). */
  bad: boolean;
}

export type CardNode = Node<NodeCardData, 'card'>;
export type FrameNode = Node<ModuleFrameData, 'module'>;
export type FlowNode = CardNode | FrameNode;
export type FlowEdge = Edge<ShapeEdgeData, 'shape'>;

const WIRE_DOM_ATTRIBUTES = { tabIndex: -1 } as const;

export const FRAME_PREFIX = 'module:';
export const frameId = (moduleId: string) => `${FRAME_PREFIX}${moduleId}`;
export const moduleIdOfFrame = (id: string) => (id.startsWith(FRAME_PREFIX) ? id.slice(FRAME_PREFIX.length) : undefined);

interface Cached<T> {
  key: readonly unknown[];
  value: T;
}

const sameItems = <T>(a: readonly T[], b: readonly T[]) => a.length === b.length && a.every((x, i) => x === b[i]);

const sameKey = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((x, i) => x === b[i]);

export interface Selection {
  nodes: ReadonlySet<string>;
  edges: ReadonlySet<string>;
  module: string | null;
}

/** Keeps flow objects between projections; one per canvas. */
export class Projector {
  private nodeCache = new Map<string, Cached<FlowNode>>();
  private edgeCache = new Map<string, Cached<FlowEdge>>();
  private lastNodes: FlowNode[] = [];
  private lastEdges: FlowEdge[] = [];

  /** Records a size React Flow measured, so the next projection carries it; false when it was already known. */
  setMeasured(id: string, measured: { width: number; height: number }): boolean {
    const cached = this.nodeCache.get(id);
    if (!cached) return false;
    const known = cached.value.measured;
    if (known && Math.abs((known.width ?? 0) - measured.width) < 0.5 && Math.abs((known.height ?? 0) - measured.height) < 0.5) return false;
    cached.value = { ...cached.value, measured } as FlowNode;
    return true;
  }

  cachedNodes(order: readonly string[]): FlowNode[] {
    return order.map((id) => this.nodeCache.get(id)?.value).filter((n): n is FlowNode => n !== undefined);
  }

  nodes(doc: GraphDocument, analysis: Analysis, selection: Selection): FlowNode[] {
    const ownerName = new Map<string, GraphModule>();
    for (const m of doc.modules) for (const id of m.nodes) ownerName.set(id, m);
    const collapsedModules = new Set(doc.modules.filter((m) => doc.layout.modules[m.id]?.collapsed).map((m) => m.id));

    const byId = new Map(doc.nodes.map((n) => [n.id, n]));
    const out: FlowNode[] = [];
    const seen = new Set<string>();
    const frameAt = new Map<string, { x: number; y: number }>();
    // Frames first so that they render beneath their members (React Flow also wants parents before children).
    for (const module of doc.modules) {
      const frame = this.frame(doc, byId, module, analysis, collapsedModules.has(module.id), selection.module === module.id);
      if (frame) {
        out.push(frame);
        seen.add(frame.id);
        if (!frame.data.collapsed) frameAt.set(module.id, frame.position);
      }
    }
    for (const node of doc.nodes) {
      const owner = ownerName.get(node.id);
      const hidden = owner !== undefined && collapsedModules.has(owner.id);
      const position = doc.layout.nodes[node.id] ?? ORIGIN;
      const inferred = analysis.inferred[node.id];
      const problems = analysis.byNode.get(node.id);
      const selected = selection.nodes.has(node.id);
      // Members of an expanded module are React Flow children of its frame: positioned relative to it, they move with it.
      const parent = owner !== undefined ? frameAt.get(owner.id) : undefined;
      const cached = this.nodeCache.get(node.id);
      const k = cached?.key;
      let value: FlowNode;
      // Compared field by field: this runs for every node on every edit.
      if (
        k &&
        k[0] === node &&
        k[1] === position &&
        k[2] === inferred &&
        k[3] === problems &&
        k[4] === selected &&
        k[5] === hidden &&
        k[6] === owner?.name &&
        k[7] === parent?.x &&
        k[8] === parent?.y
      ) {
        value = cached.value;
      } else {
        const key = [node, position, inferred, problems, selected, hidden, owner?.name, parent?.x, parent?.y];
        const def = nodeDef(node.type);
        value = {
          id: node.id,
          type: 'card',
          position: parent ? { x: position.x - parent.x, y: position.y - parent.y } : { x: position.x, y: position.y },
          ...(parent && owner ? { parentId: frameId(owner.id) } : {}),
          data: { node, def, inferred, problems, moduleName: owner?.name },
          selected,
          hidden,
          // Known sizes and port positions let React Flow draw cards and wires in the first frame, and fit
          // or cull a large graph whose off-screen cards were never rendered, so never measured.
          measured: cached?.value.measured ?? { width: NODE_WIDTH, height: nodeHeight(def) },
          handles: cardHandles(def),
        };
        this.nodeCache.set(node.id, { key, value });
      }
      out.push(value);
      seen.add(node.id);
    }
    for (const id of this.nodeCache.keys()) if (!seen.has(id)) this.nodeCache.delete(id);
    // Unchanged lists keep their identity, so React Flow skips its own pass over them.
    if (sameItems(out, this.lastNodes)) return this.lastNodes;
    this.lastNodes = out;
    return out;
  }

  private frame(doc: GraphDocument, byId: ReadonlyMap<string, GraphNode>, module: GraphModule, analysis: Analysis, collapsed: boolean, selected: boolean): FlowNode | undefined {
    const members = module.nodes.map((id) => byId.get(id)).filter((n): n is GraphNode => n !== undefined);
    if (members.length === 0) return undefined;
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    let errorCount = 0;
    let parameters = 0;
    for (const node of members) {
      const at = doc.layout.nodes[node.id] ?? ORIGIN;
      x0 = Math.min(x0, at.x);
      y0 = Math.min(y0, at.y);
      x1 = Math.max(x1, at.x + NODE_WIDTH);
      y1 = Math.max(y1, at.y + nodeHeight(nodeDef(node.type)));
      errorCount += analysis.byNode.get(node.id)?.filter((p) => p.severity === 'error').length ?? 0;
      if (collapsed) parameters += trainableParameterCount(node, analysis.inferred[node.id]) ?? 0;
    }
    const position = collapsed ? { x: x0, y: y0 } : { x: x0 - FRAME_PADDING, y: y0 - FRAME_PADDING - FRAME_TITLE };
    const width = collapsed ? COLLAPSED_WIDTH : x1 - x0 + 2 * FRAME_PADDING;
    const height = collapsed ? 0 : y1 - y0 + 2 * FRAME_PADDING + FRAME_TITLE;
    const id = frameId(module.id);
    const key = [module, collapsed, selected, position.x, position.y, width, height, errorCount, parameters];
    const cached = this.nodeCache.get(id);
    if (cached && sameKey(cached.key, key)) return cached.value;
    const value: FrameNode = {
      id,
      type: 'module',
      position,
      data: { module, collapsed, errorCount, parameters, width, height },
      selected,
      zIndex: collapsed ? 0 : -1,
      className: collapsed ? 'collapsed' : 'expanded',
      ...(collapsed
        ? { measured: { width: COLLAPSED_WIDTH, height: collapsedHeight() }, handles: collapsedHandles() }
        : { style: { width, height }, width, height, measured: { width, height }, dragHandle: '.tw-frame-header' }),
    };
    this.nodeCache.set(id, { key, value });
    return value;
  }

  edges(doc: GraphDocument, analysis: Analysis, selection: Selection): FlowEdge[] {
    const collapsedOwner = new Map<string, string>();
    for (const m of doc.modules) {
      if (!doc.layout.modules[m.id]?.collapsed) continue;
      for (const id of m.nodes) collapsedOwner.set(id, m.id);
    }
    const typeOf = new Map(doc.nodes.map((n) => [n.id, n.type]));
    const out: FlowEdge[] = [];
    const seen = new Set<string>();
    for (const edge of doc.edges) {
      const fromOwner = collapsedOwner.get(edge.from.node);
      const toOwner = collapsedOwner.get(edge.to.node);
      // Wires inside a collapsed module disappear with its nodes.
      if (fromOwner !== undefined && fromOwner === toOwner) continue;
      const id = edgeId(edge);
      const type = analysis.inferred[edge.from.node]?.outputs[edge.from.port];
      const target = analysis.inferred[edge.to.node];
      const bad = Boolean(target?.error && (target.error.port === undefined || target.error.port === edge.to.port));
      const selected = selection.edges.has(id);
      const cached = this.edgeCache.get(id);
      const k = cached?.key;
      let value: FlowEdge;
      if (k && k[0] === edge && k[1] === type && k[2] === bad && k[3] === selected && k[4] === fromOwner && k[5] === toOwner) {
        value = cached.value;
      } else {
        const key = [edge, type, bad, selected, fromOwner, toOwner];
        value = {
          id,
          type: 'shape',
          source: fromOwner !== undefined ? frameId(fromOwner) : edge.from.node,
          sourceHandle: fromOwner !== undefined ? 'out' : edge.from.port,
          target: toOwner !== undefined ? frameId(toOwner) : edge.to.node,
          targetHandle: toOwner !== undefined ? 'in' : edge.to.port,
          selected,
          // Out of the page's Tab order: the canvas's keyboard handler visits wires after the nodes (Canvas.tsx).
          domAttributes: WIRE_DOM_ATTRIBUTES,
          data: { label: type ? formatValueType(type) : '?', kind: type?.kind ?? outputKind(typeOf.get(edge.from.node), edge.from.port), bad },
        };
        this.edgeCache.set(id, { key, value });
      }
      out.push(value);
      seen.add(id);
    }
    for (const id of this.edgeCache.keys()) if (!seen.has(id)) this.edgeCache.delete(id);
    if (sameItems(out, this.lastEdges)) return this.lastEdges;
    this.lastEdges = out;
    return out;
  }
}

const ORIGIN = { x: 0, y: 0 };

function outputKind(type: string | undefined, port: string): PortKind | undefined {
  const def = type === undefined ? undefined : nodeDef(type);
  return def && Object.hasOwn(def.outputs, port) ? (def.outputs[port].kind as PortKind) : undefined;
}
