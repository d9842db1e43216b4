/**
 * Edits of a graph document as pure functions: each takes a document and
 * returns a new one, sharing every part it did not touch. The store keeps the
 * documents these return as its undo history, and the canvas re-renders only
 * the nodes whose objects changed.
 */
import { canConnectInGraph, type ConnectResult } from '../../core/graph/connect';
import { MAIN_MODULE, type GraphDocument, type GraphEdge, type GraphModule, type GraphNode } from '../../core/graph/schema';
import { checkParam, defaultParams } from '../../core/params';
import { nodeDef, registries } from './catalog';

export type Position = { x: number; y: number };

const edgeIds = new WeakMap<GraphEdge, string>();

/** `from.port->to.port`; remembered per wire object, since the canvas asks for every wire on every edit. */
export function edgeId(e: GraphEdge): string {
  let id = edgeIds.get(e);
  if (id === undefined) {
    id = `${e.from.node}.${e.from.port}->${e.to.node}.${e.to.port}`;
    edgeIds.set(e, id);
  }
  return id;
}

/** A fresh id like `conv2d_3`, unique among `taken`. */
export function freshId(base: string, taken: ReadonlySet<string>): string {
  const stem = base.replace(/[^A-Za-z0-9_]/g, '_').replace(/^([^A-Za-z_])/, '_$1') || 'node';
  for (let i = 1; ; i++) {
    const id = `${stem}_${i}`;
    if (!taken.has(id)) return id;
  }
}

export const nodeIds = (doc: GraphDocument) => new Set(doc.nodes.map((n) => n.id));

export function addNode(doc: GraphDocument, type: string, position: Position, id?: string): { doc: GraphDocument; id: string } {
  const def = nodeDef(type);
  if (!def) throw new Error(`unknown node type '${type}'; pick one from the palette`);
  const nodeId = id ?? freshId(type, nodeIds(doc));
  const node: GraphNode = { id: nodeId, type, typeVersion: def.version, params: defaultParams(def.params) as Record<string, unknown> };
  return {
    id: nodeId,
    doc: {
      ...doc,
      nodes: [...doc.nodes, node],
      layout: { ...doc.layout, nodes: { ...doc.layout.nodes, [nodeId]: roundPosition(position) } },
    },
  };
}

const roundPosition = (p: Position): Position => ({ x: Math.round(p.x), y: Math.round(p.y) });

export type ConnectOutcome = { ok: true; doc: GraphDocument; replaced?: GraphEdge } | { ok: false; reason: string; code: string };

/**
 * Adds a wire when the engine's rules allow it. A wire dropped on an input
 * that already has one replaces it (as in ComfyUI), provided the new wire is
 * otherwise acceptable; every other refusal comes back with its reason.
 */
export function connect(doc: GraphDocument, edge: GraphEdge): ConnectOutcome {
  const verdict: ConnectResult = canConnectInGraph(doc, edge, registries);
  if (verdict.ok) return { ok: true, doc: { ...doc, edges: [...doc.edges, edge] } };
  if (verdict.code === 'input-occupied') {
    const occupant = doc.edges.find((e) => e.to.node === edge.to.node && e.to.port === edge.to.port)!;
    const without = { ...doc, edges: doc.edges.filter((e) => e !== occupant) };
    const retry = canConnectInGraph(without, edge, registries);
    if (retry.ok) return { ok: true, doc: { ...without, edges: [...without.edges, edge] }, replaced: occupant };
    return { ok: false, reason: retry.reason, code: retry.code };
  }
  return { ok: false, reason: verdict.reason, code: verdict.code };
}

export function removeEdges(doc: GraphDocument, edges: readonly GraphEdge[]): GraphDocument {
  if (edges.length === 0) return doc;
  const ids = new Set(edges.map(edgeId));
  return { ...doc, edges: doc.edges.filter((e) => !ids.has(edgeId(e))) };
}

/**
 * Removes nodes and every reference to them, so a deletion never leaves the
 * graph pointing at nothing: their wires, module memberships (a module left
 * empty goes), positions, the optimizers' loss terms naming them (an
 * optimizer left with no loss is flagged by the validator until the user
 * picks another), and `shareWeightsWith` of nodes that borrowed their
 * weights (those get their own again). One document, so one undo step.
 */
export function removeNodes(doc: GraphDocument, ids: ReadonlySet<string>): GraphDocument {
  if (ids.size === 0) return doc;
  const layoutNodes = { ...doc.layout.nodes };
  for (const id of ids) delete layoutNodes[id];
  const modules = doc.modules.map((m) => (m.nodes.some((n) => ids.has(n)) ? { ...m, nodes: m.nodes.filter((n) => !ids.has(n)) } : m));
  const emptied = new Set(modules.filter((m) => m.nodes.length === 0).map((m) => m.id));
  const optimizers = doc.training.optimizers.map((o) => (o.losses.some((t) => ids.has(t.node)) ? { ...o, losses: o.losses.filter((t) => !ids.has(t.node)) } : o));
  const nodes = doc.nodes.flatMap((n) => {
    if (ids.has(n.id)) return [];
    if (n.shareWeightsWith === undefined || !ids.has(n.shareWeightsWith)) return [n];
    const { shareWeightsWith: _gone, ...own } = n;
    return [own];
  });
  return dropModules(
    {
      ...doc,
      nodes,
      edges: doc.edges.filter((e) => !ids.has(e.from.node) && !ids.has(e.to.node)),
      modules,
      training: optimizers.every((o, i) => o === doc.training.optimizers[i]) ? doc.training : { ...doc.training, optimizers },
      layout: { ...doc.layout, nodes: layoutNodes },
    },
    emptied,
  );
}

export function moveNodes(doc: GraphDocument, positions: Readonly<Record<string, Position>>): GraphDocument {
  const layoutNodes = { ...doc.layout.nodes };
  let changed = false;
  for (const [id, position] of Object.entries(positions)) {
    const before = layoutNodes[id];
    const next = roundPosition(position);
    if (before && before.x === next.x && before.y === next.y) continue;
    layoutNodes[id] = { ...before, ...next };
    changed = true;
  }
  return changed ? { ...doc, layout: { ...doc.layout, nodes: layoutNodes } } : doc;
}

export type ParamOutcome = { ok: true; doc: GraphDocument } | { ok: false; reason: string };

/** Sets one param, refusing a value its spec rejects with the spec's own reason. */
export function setParam(doc: GraphDocument, nodeId: string, name: string, value: unknown): ParamOutcome {
  const node = doc.nodes.find((n) => n.id === nodeId);
  if (!node) return { ok: false, reason: `there is no node '${nodeId}'` };
  const def = nodeDef(node.type);
  if (!def || !Object.hasOwn(def.params, name)) return { ok: false, reason: `${def?.title ?? node.type} '${nodeId}' has no param '${name}'` };
  const why = checkParam(def.params[name], value);
  if (why) return { ok: false, reason: `${name} ${why}` };
  if (JSON.stringify(node.params[name]) === JSON.stringify(value)) return { ok: true, doc };
  return { ok: true, doc: replaceNode(doc, { ...node, params: { ...node.params, [name]: value } }) };
}

export function setLabel(doc: GraphDocument, nodeId: string, label: string): GraphDocument {
  const node = doc.nodes.find((n) => n.id === nodeId);
  if (!node) return doc;
  const trimmed = label.trim().slice(0, 200);
  if ((node.label ?? '') === trimmed) return doc;
  const { label: _old, ...rest } = node;
  return replaceNode(doc, trimmed ? { ...rest, label: trimmed } : rest);
}

function replaceNode(doc: GraphDocument, node: GraphNode): GraphDocument {
  return { ...doc, nodes: doc.nodes.map((n) => (n.id === node.id ? node : n)) };
}

export const moduleOf = (doc: GraphDocument, nodeId: string): GraphModule | undefined => doc.modules.find((m) => m.nodes.includes(nodeId));

/**
 * Makes a module of `ids`, taking them out of the modules they were in. The
 * optimizers that trained those nodes before also train the new module, so
 * grouping never changes what learns.
 */
export function groupNodes(doc: GraphDocument, ids: readonly string[], name: string): { doc: GraphDocument; moduleId: string } {
  const members = ids.filter((id) => doc.nodes.some((n) => n.id === id));
  if (members.length === 0) throw new Error('select the nodes to group first');
  const memberSet = new Set(members);
  const previousOwners = new Set(members.map((id) => moduleOf(doc, id)?.id ?? MAIN_MODULE));
  const moduleId = freshId('module', new Set([MAIN_MODULE, ...doc.modules.map((m) => m.id)]));
  const modules = doc.modules.map((m) => (m.nodes.some((n) => memberSet.has(n)) ? { ...m, nodes: m.nodes.filter((n) => !memberSet.has(n)) } : m));
  modules.push({ id: moduleId, name: name.trim() || moduleId, nodes: members });
  const optimizers = doc.training.optimizers.map((o) =>
    o.modules.some((m) => previousOwners.has(m)) ? { ...o, modules: [...o.modules, moduleId] } : o,
  );
  const emptied = new Set(modules.filter((m) => m.nodes.length === 0).map((m) => m.id));
  const grouped: GraphDocument = {
    ...doc,
    modules,
    training: { ...doc.training, optimizers },
    layout: { ...doc.layout, modules: { ...doc.layout.modules, [moduleId]: {} } },
  };
  return { doc: dropModules(grouped, emptied), moduleId };
}

/** Dissolves a module; its nodes return to 'main' and optimizers that trained it train 'main'. */
export function ungroup(doc: GraphDocument, moduleId: string): GraphDocument {
  if (!doc.modules.some((m) => m.id === moduleId)) return doc;
  const optimizers = doc.training.optimizers.map((o) => {
    if (!o.modules.includes(moduleId)) return o;
    const rest = o.modules.filter((m) => m !== moduleId);
    return { ...o, modules: rest.includes(MAIN_MODULE) ? rest : [...rest, MAIN_MODULE] };
  });
  return dropModules({ ...doc, training: { ...doc.training, optimizers } }, new Set([moduleId]));
}

/** Removes modules and every reference to them; an optimizer left with no module falls back to 'main'. */
function dropModules(doc: GraphDocument, ids: ReadonlySet<string>): GraphDocument {
  if (ids.size === 0) return doc;
  const layoutModules = { ...doc.layout.modules };
  for (const id of ids) delete layoutModules[id];
  const optimizers = doc.training.optimizers.map((o) => {
    if (!o.modules.some((m) => ids.has(m))) return o;
    const rest = o.modules.filter((m) => !ids.has(m));
    return { ...o, modules: rest.length > 0 ? rest : [MAIN_MODULE] };
  });
  return {
    ...doc,
    modules: doc.modules.filter((m) => !ids.has(m.id)),
    training: { ...doc.training, optimizers },
    layout: { ...doc.layout, modules: layoutModules },
  };
}

export function renameModule(doc: GraphDocument, moduleId: string, name: string): GraphDocument {
  const trimmed = name.trim().slice(0, 200);
  if (!trimmed) return doc;
  return { ...doc, modules: doc.modules.map((m) => (m.id === moduleId && m.name !== trimmed ? { ...m, name: trimmed } : m)) };
}

export function setModuleInit(doc: GraphDocument, moduleId: string, init: 'default' | 'normal0.02'): GraphDocument {
  return {
    ...doc,
    modules: doc.modules.map((m) => {
      if (m.id !== moduleId) return m;
      const { init: _old, ...rest } = m;
      return init === 'default' ? rest : { ...rest, init };
    }),
  };
}

/**
 * Marks a module frozen (its weights keep their values: a pretrained loss
 * network, a fixed teacher) or trainable again. No optimizer may update a
 * frozen module, so freezing one that optimizers list takes it out of them
 * in the same step: one undo brings back both the flag and the optimizers'
 * lists. Refused when that would leave an optimizer with nothing to update.
 */
export function setModuleFrozen(doc: GraphDocument, moduleId: string, frozen: boolean): ParamOutcome {
  const module = doc.modules.find((m) => m.id === moduleId);
  if (!module) return { ok: false, reason: `there is no module '${moduleId}'` };
  if (Boolean(module.frozen) === frozen) return { ok: true, doc };
  const modules = doc.modules.map((m) => {
    if (m !== module) return m;
    const { frozen: _old, ...rest } = m;
    return frozen ? { ...rest, frozen: true } : rest;
  });
  if (!frozen) return { ok: true, doc: { ...doc, modules } };
  const stranded = doc.training.optimizers.filter((o) => o.modules.length === 1 && o.modules[0] === moduleId);
  if (stranded.length > 0) {
    const names = stranded.map((o) => `'${o.id}'`).join(', ');
    return {
      ok: false,
      reason: `optimizer ${names} updates only '${module.name}', so freezing it would leave ${stranded.length === 1 ? 'that optimizer' : 'those optimizers'} nothing to train; give ${stranded.length === 1 ? 'it' : 'them'} another module first (Graph settings), or delete ${stranded.length === 1 ? 'it' : 'them'}.`,
    };
  }
  const optimizers = doc.training.optimizers.map((o) => (o.modules.includes(moduleId) ? { ...o, modules: o.modules.filter((m) => m !== moduleId) } : o));
  const changed = optimizers.some((o, i) => o !== doc.training.optimizers[i]);
  return { ok: true, doc: { ...doc, modules, ...(changed ? { training: { ...doc.training, optimizers } } : {}) } };
}

export function setModuleCollapsed(doc: GraphDocument, moduleId: string, collapsed: boolean): GraphDocument {
  const before = doc.layout.modules[moduleId] ?? {};
  if (Boolean(before.collapsed) === collapsed) return doc;
  const { collapsed: _old, ...rest } = before;
  return { ...doc, layout: { ...doc.layout, modules: { ...doc.layout.modules, [moduleId]: collapsed ? { ...rest, collapsed: true } : rest } } };
}

/** What Ctrl+C keeps: the nodes, the wires among them, and the wires that fed them from outside. */
export interface Clipboard {
  nodes: GraphNode[];
  edges: GraphEdge[];
  incoming: GraphEdge[];
  positions: Record<string, Position>;
}

export function copyNodes(doc: GraphDocument, ids: ReadonlySet<string>): Clipboard | undefined {
  const nodes = doc.nodes.filter((n) => ids.has(n.id));
  if (nodes.length === 0) return undefined;
  const positions: Record<string, Position> = {};
  for (const n of nodes) {
    const at = doc.layout.nodes[n.id];
    positions[n.id] = at ? { x: at.x, y: at.y } : { x: 0, y: 0 };
  }
  return structuredClone({
    nodes,
    edges: doc.edges.filter((e) => ids.has(e.from.node) && ids.has(e.to.node)),
    incoming: doc.edges.filter((e) => !ids.has(e.from.node) && ids.has(e.to.node)),
    positions,
  });
}

export interface PasteOptions {
  /** Ctrl+Shift+V: wire the copies to the same sources that fed the originals. */
  keepIncoming: boolean;
  /** Where the pasted group's top-left corner goes; otherwise beside the originals. */
  at?: Position;
}

/** Top-left corner of the copied nodes. */
export function clipboardOrigin(clip: Clipboard): Position {
  const at = Object.values(clip.positions);
  return { x: Math.min(...at.map((p) => p.x)), y: Math.min(...at.map((p) => p.y)) };
}

export function paste(doc: GraphDocument, clip: Clipboard, options: PasteOptions): { doc: GraphDocument; ids: string[] } {
  const taken = nodeIds(doc);
  const rename = new Map<string, string>();
  for (const node of clip.nodes) {
    const id = freshId(node.type, taken);
    taken.add(id);
    rename.set(node.id, id);
  }
  const origin = clipboardOrigin(clip);
  const shift = options.at ? { x: options.at.x - origin.x, y: options.at.y - origin.y } : { x: 40, y: 40 };

  const nodes = clip.nodes.map((n) => ({ ...structuredClone(n), id: rename.get(n.id)! }));
  const layoutNodes = { ...doc.layout.nodes };
  for (const n of clip.nodes) {
    const p = clip.positions[n.id];
    layoutNodes[rename.get(n.id)!] = roundPosition({ x: p.x + shift.x, y: p.y + shift.y });
  }
  const edges: GraphEdge[] = clip.edges.map((e) => ({
    from: { node: rename.get(e.from.node)!, port: e.from.port },
    to: { node: rename.get(e.to.node)!, port: e.to.port },
  }));
  if (options.keepIncoming) {
    for (const e of clip.incoming) {
      if (!taken.has(e.from.node) || rename.has(e.from.node)) continue;
      edges.push({ from: { ...e.from }, to: { node: rename.get(e.to.node)!, port: e.to.port } });
    }
  }
  return {
    ids: nodes.map((n) => n.id),
    doc: { ...doc, nodes: [...doc.nodes, ...nodes], edges: [...doc.edges, ...edges], layout: { ...doc.layout, nodes: layoutNodes } },
  };
}

export function setMeta(doc: GraphDocument, meta: { name?: string; description?: string }): GraphDocument {
  const name = meta.name !== undefined ? meta.name.slice(0, 200) : doc.name;
  const description = meta.description ?? doc.description;
  return name === doc.name && description === doc.description ? doc : { ...doc, name, description };
}

export function setDatasetParam(doc: GraphDocument, name: string, value: unknown): ParamOutcome {
  const def = Object.hasOwn(registries.datasets, doc.dataset.type) ? registries.datasets[doc.dataset.type] : undefined;
  if (!def || !Object.hasOwn(def.params, name)) return { ok: false, reason: `dataset '${doc.dataset.type}' has no param '${name}'` };
  const why = checkParam(def.params[name], value);
  if (why) return { ok: false, reason: `${name} ${why}` };
  return { ok: true, doc: { ...doc, dataset: { ...doc.dataset, params: { ...doc.dataset.params, [name]: value } } } };
}

export function setDatasetType(doc: GraphDocument, type: string): GraphDocument {
  if (doc.dataset.type === type) return doc;
  const def = Object.hasOwn(registries.datasets, type) ? registries.datasets[type] : undefined;
  return { ...doc, dataset: { type, params: def ? (defaultParams(def.params) as Record<string, unknown>) : {} } };
}

export type TrainingField = 'steps' | 'batchSize' | 'seed' | 'logEvery' | 'previewEvery' | 'checkpointEvery';

const TRAINING_BOUNDS: Record<TrainingField, { min: number; max?: number }> = {
  steps: { min: 1 },
  batchSize: { min: 1, max: 4096 },
  seed: { min: 0 },
  logEvery: { min: 1 },
  previewEvery: { min: 0 },
  checkpointEvery: { min: 0 },
};

export function setTrainingField(doc: GraphDocument, field: TrainingField, value: number): ParamOutcome {
  const bounds = TRAINING_BOUNDS[field];
  const why = checkParam({ type: 'int', default: 0, doc: '', ...bounds }, value);
  if (why) return { ok: false, reason: `${field} ${why}` };
  return { ok: true, doc: { ...doc, training: { ...doc.training, [field]: value } } };
}

export function setOptimizerLr(doc: GraphDocument, optimizerId: string, lr: number): ParamOutcome {
  if (!Number.isFinite(lr) || lr <= 0) return { ok: false, reason: `the learning rate must be a positive number, got ${lr}` };
  return updateOptimizer(doc, optimizerId, (o) => ({ ...o, lr }));
}

export function toggleOptimizerModule(doc: GraphDocument, optimizerId: string, moduleId: string, on: boolean): ParamOutcome {
  return updateOptimizer(doc, optimizerId, (o) => {
    const has = o.modules.includes(moduleId);
    if (has === on) return o;
    const modules = on ? [...o.modules, moduleId] : o.modules.filter((m) => m !== moduleId);
    if (modules.length === 0) throw new RefusedEdit(`optimizer '${o.id}' must update at least one module`);
    return { ...o, modules };
  });
}

/** Adds, reweights (weight > 0) or removes (weight 0) a loss node in an optimizer's objective. */
export function setLossTerm(doc: GraphDocument, optimizerId: string, nodeId: string, weight: number): ParamOutcome {
  if (!Number.isFinite(weight) || weight < 0) return { ok: false, reason: `a loss weight must be a number ≥ 0, got ${weight}` };
  return updateOptimizer(doc, optimizerId, (o) => {
    // Removing the last term is allowed (the validator then asks for a loss), so a stale term can always go.
    if (weight === 0) return { ...o, losses: o.losses.filter((t) => t.node !== nodeId) };
    const index = o.losses.findIndex((t) => t.node === nodeId);
    const losses = index >= 0 ? o.losses.map((t) => (t.node === nodeId ? { ...t, weight } : t)) : [...o.losses, { node: nodeId, weight }];
    return { ...o, losses };
  });
}

class RefusedEdit extends Error {}

function updateOptimizer(doc: GraphDocument, optimizerId: string, update: (o: GraphDocument['training']['optimizers'][number]) => GraphDocument['training']['optimizers'][number]): ParamOutcome {
  if (!doc.training.optimizers.some((o) => o.id === optimizerId)) return { ok: false, reason: `there is no optimizer '${optimizerId}'` };
  try {
    const optimizers = doc.training.optimizers.map((o) => (o.id === optimizerId ? update(o) : o));
    return { ok: true, doc: { ...doc, training: { ...doc.training, optimizers } } };
  } catch (refused) {
    if (refused instanceof RefusedEdit) return { ok: false, reason: refused.message };
    throw refused;
  }
}
