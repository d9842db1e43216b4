/**
 * The 'checkpoint' source: a module of a graph trained earlier in the app,
 * run frozen with its saved weights. The checkpoint's graph is parsed with
 * the registries the host passed, and read through its NodeIO.
 */
import type { AnyNodeDefinition, GraphRegistries, NodeIO, NodeRuntime, RunMode, Value, BuildContext } from '../../../core/node-api';
import { defaultParams, type ParamSpecs } from '../../../core/params';
import type { ValueType } from '../../../core/types';
import type { GraphDocument } from '../../../core/graph/schema';
import { loadGraph } from '../../../core/graph/load';
import { FeatureSourceError, reading } from './common';

interface CheckpointModule {
  graph: GraphDocument;
  moduleId: string;
  /** Module nodes in execution order. */
  order: string[];
  /** The one outside output the module reads (its image input). */
  source: string;
}

function parseCheckpointGraph(registries: GraphRegistries, text: string, where: string): GraphDocument {
  const { graph } = loadGraph(text, registries);
  if (!graph) throw new FeatureSourceError(`the graph saved in checkpoint '${where}' cannot be read`);
  return graph;
}

function checkpointModule(graph: GraphDocument, moduleParam: string, layers: string[], where: string): CheckpointModule {
  const layerNodes = layers.map((l) => l.split('.')[0]);
  const module = moduleParam
    ? graph.modules.find((m) => m.id === moduleParam)
    : graph.modules.find((m) => layerNodes.every((id) => m.nodes.includes(id)));
  if (!module) {
    const known = graph.modules.map((m) => `'${m.id}'`).join(', ') || 'none';
    throw new FeatureSourceError(
      moduleParam
        ? `checkpoint '${where}' has no module '${moduleParam}'; its modules: ${known}`
        : `no module of checkpoint '${where}' holds all of ${layerNodes.map((n) => `'${n}'`).join(', ')}; set module (modules: ${known})`,
    );
  }
  const members = new Set(module.nodes);
  for (const id of layerNodes) {
    if (!members.has(id)) throw new FeatureSourceError(`'${id}' is not a node of module '${module.id}' in checkpoint '${where}'`);
  }
  const sources = new Set<string>();
  const indegree = new Map<string, number>([...members].map((id) => [id, 0]));
  for (const e of graph.edges) {
    if (!members.has(e.to.node)) continue;
    if (members.has(e.from.node)) indegree.set(e.to.node, indegree.get(e.to.node)! + 1);
    else sources.add(`${e.from.node}.${e.from.port}`);
  }
  if (sources.size !== 1) {
    throw new FeatureSourceError(
      `module '${module.id}' of checkpoint '${where}' reads ${sources.size === 0 ? 'no outside input' : [...sources].join(', ')}; ` +
        'a feature network needs a module with exactly one image input',
    );
  }
  const order: string[] = [];
  const ready = [...members].filter((id) => indegree.get(id) === 0);
  while (ready.length > 0) {
    const id = ready.shift()!;
    order.push(id);
    for (const e of graph.edges) {
      if (e.from.node !== id || !members.has(e.to.node)) continue;
      const left = indegree.get(e.to.node)! - 1;
      indegree.set(e.to.node, left);
      if (left === 0) ready.push(e.to.node);
    }
  }
  return { graph, moduleId: module.id, order, source: [...sources][0] };
}

interface ModuleTypes {
  inputs: Map<string, Record<string, ValueType>>;
  outputs: Map<string, Record<string, ValueType>>;
  params: Map<string, Record<string, unknown>>;
}

function moduleTypes(registries: GraphRegistries, mod: CheckpointModule, input: ValueType): ModuleTypes {
  const registry = registries.nodes;
  const byId = new Map(mod.graph.nodes.map((n) => [n.id, n]));
  const types: ModuleTypes = { inputs: new Map(), outputs: new Map(), params: new Map() };
  for (const id of mod.order) {
    const node = byId.get(id)!;
    const def = registry[node.type];
    if (!def) throw new FeatureSourceError(`node '${id}' of the checkpoint has type '${node.type}', which this version does not know`);
    const inputs: Record<string, ValueType> = {};
    for (const e of mod.graph.edges) {
      if (e.to.node !== id) continue;
      const from = `${e.from.node}.${e.from.port}`;
      const t = from === mod.source ? input : types.outputs.get(e.from.node)?.[e.from.port];
      if (!t) throw new FeatureSourceError(`node '${id}' of the checkpoint reads '${from}', which produced nothing`);
      inputs[e.to.port] = t;
    }
    const params = { ...defaultParams(def.params as ParamSpecs), ...node.params };
    let outputs: Record<string, ValueType>;
    try {
      outputs = def.inferShape({ inputs, params } as never) as Record<string, ValueType>;
    } catch (error) {
      throw new FeatureSourceError(`checkpoint node '${id}' does not accept this input: ${(error as Error).message}`);
    }
    types.inputs.set(id, inputs);
    types.outputs.set(id, outputs);
    types.params.set(id, params);
  }
  return types;
}

function splitLayer(layer: string, mod: CheckpointModule, types: ModuleTypes): { node: string; port: string } {
  const [node, port] = layer.includes('.') ? layer.split('.', 2) : [layer, undefined];
  const outputs = types.outputs.get(node) ?? {};
  const chosen = port ?? ('output' in outputs ? 'output' : Object.keys(outputs)[0]);
  if (!chosen || !outputs[chosen]) {
    throw new FeatureSourceError(`checkpoint node '${node}' of module '${mod.moduleId}' has no output '${port ?? 'output'}'`);
  }
  return { node, port: chosen };
}

const checkpointGraphs = new Map<string, { key: string; graph: GraphDocument }>();

function checkpointGraph(io: NodeIO, registries: GraphRegistries, location: string): { dir: string; graph: GraphDocument } {
  // NodeIO's messages name the location and what to give instead.
  const dir = reading(undefined, () => io.checkpointDir(location));
  const graphFile = io.resolve(dir, 'graph.json');
  const key = reading(`cannot read checkpoint '${dir}'`, () => io.version(graphFile));
  const cached = checkpointGraphs.get(dir);
  if (cached?.key === key) return { dir, graph: cached.graph };
  const graph = parseCheckpointGraph(registries, reading(`cannot read checkpoint '${dir}'`, () => io.readText(graphFile)), dir);
  checkpointGraphs.set(dir, { key, graph });
  return { dir, graph };
}

interface CheckpointArgs {
  io: NodeIO;
  registries: GraphRegistries;
  location: string;
  module: string;
  layers: string[];
  input: ValueType;
}

/** Output shapes (without the batch) of the listed module nodes for this input. */
export function checkpointShapes({ io, registries, location, module, layers, input }: CheckpointArgs): Map<string, number[]> {
  const { dir, graph } = checkpointGraph(io, registries, location);
  const mod = checkpointModule(graph, module, layers, dir);
  const types = moduleTypes(registries, mod, input);
  const shapes = new Map<string, number[]>();
  for (const layer of layers) {
    const { node, port } = splitLayer(layer, mod, types);
    const shape = types.outputs.get(node)![port].shape;
    if (!shape || shape.length !== 4) throw new FeatureSourceError(`checkpoint output '${layer}' is not a feature map N×H×W×C`);
    shapes.set(layer, shape.slice(1) as number[]);
  }
  return shapes;
}

/**
 * The module's nodes built with the checkpoint's weights, frozen (weights
 * created through `weight` as non-trainable, named 'owner/name').
 */
export function buildCheckpoint(
  args: CheckpointArgs & { nodeId: string; weight: BuildContext<ParamSpecs, never, never>['weight'] },
): { run(x: Value, mode: RunMode): Record<string, Value>; dispose(): void } {
  const { io, registries, location, layers, nodeId } = args;
  const { dir, graph } = checkpointGraph(io, registries, location);
  const mod = checkpointModule(graph, args.module, layers, dir);
  const types = moduleTypes(registries, mod, args.input);
  const saved = io.readCheckpoint(dir);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const runtimes = new Map<string, NodeRuntime<never, never>>();
  const wires = new Map<string, Record<string, string>>();
  for (const id of mod.order) {
    const node = byId.get(id)!;
    const def = registries.nodes[node.type] as AnyNodeDefinition;
    const owner = node.shareWeightsWith ?? id;
    const runtime = def.build({
      nodeId: `${nodeId}:${id}`,
      params: types.params.get(id) as never,
      inputs: types.inputs.get(id) as never,
      outputs: types.outputs.get(id) as never,
      registries,
      weight(name, shape) {
        const key = `${owner}/${name}`;
        const values = saved.weights[key];
        const size = shape.reduce((a, b) => a * b, 1);
        if (!values || values.length !== size) {
          throw new FeatureSourceError(`checkpoint '${dir}' has ${values ? `${values.length} values` : 'no values'} for weight '${key}', which needs [${shape}]`);
        }
        return args.weight(key, shape, () => values, { trainable: false });
      },
    });
    runtimes.set(id, runtime as NodeRuntime<never, never>);
    const nodeWires: Record<string, string> = {};
    for (const e of graph.edges) if (e.to.node === id) nodeWires[e.to.port] = `${e.from.node}.${e.from.port}`;
    wires.set(id, nodeWires);
  }
  const picks = layers.map((layer) => ({ layer, ...splitLayer(layer, mod, types) }));
  return {
    run(x, mode) {
      // A borrowed module runs as in evaluation: running statistics, no dropout, nothing updated.
      const frozenMode: RunMode = { ...mode, training: false, updateStats: false };
      const values = new Map<string, Value | undefined>([[mod.source, x]]);
      for (const id of mod.order) {
        const nodeInputs: Record<string, Value | undefined> = {};
        for (const [port, from] of Object.entries(wires.get(id)!)) nodeInputs[port] = values.get(from);
        const outputs = runtimes.get(id)!.forward(nodeInputs as never, frozenMode) as Record<string, Value | undefined>;
        for (const [port, value] of Object.entries(outputs)) values.set(`${id}.${port}`, value);
      }
      return Object.fromEntries(picks.map((pick) => [pick.layer, values.get(`${pick.node}.${pick.port}`) as Value]));
    },
    dispose() {
      for (const runtime of runtimes.values()) runtime.dispose?.();
    },
  };
}
