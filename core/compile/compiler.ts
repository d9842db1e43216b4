/**
 * Turns a validated graph into an executable program: every node built once
 * (weights created from the seed), wired by port, run eagerly in topological
 * order. Parameters belong to modules so that optimizers can name the
 * modules they update, which is how a GAN trains D and G separately.
 */
import { tf } from '../tf';
import { Rng } from '../rng';
import { normal, zeros } from '../init';
import type { AnyNodeDefinition, DatasetInfo, Initializer, NodeRuntime, Value } from '../node-api';
import type { GraphDocument, GraphModule } from '../graph/schema';
import { MAIN_MODULE } from '../graph/schema';
import type { Problem } from '../graph/problems';
import { formatProblem, hasErrors } from '../graph/problems';
import { checkGraph, type GraphCheck } from '../graph/validate';
import type { GraphRegistries } from '../graph/registries';
import type { ValueType } from '../types';
import { defaultParams } from '../params';

export class CompileError extends Error {
  constructor(readonly problems: Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}:\n${errors.map(formatProblem).join('\n')}`);
    this.name = 'CompileError';
  }
}

export interface CompiledWeight {
  /** Stable name `nodeId/weight`, used by checkpoints and optimizer slots. */
  name: string;
  nodeId: string;
  moduleId: string;
  trainable: boolean;
  variable: tf.Variable;
}

export interface CompiledNode {
  id: string;
  def: AnyNodeDefinition;
  runtime: NodeRuntime<Record<string, never>, Record<string, never>>;
  moduleId: string;
  /** Input port → the output it is wired to. */
  wires: Record<string, { node: string; port: string }>;
  inputTypes: Record<string, ValueType>;
  outputTypes: Record<string, ValueType>;
  weights: CompiledWeight[];
  /** Modules whose trainable weights influence this node's outputs. */
  dependsOn: ReadonlySet<string>;
}

export interface Program {
  graph: GraphDocument;
  /** Topological order of all nodes. */
  order: string[];
  nodes: Map<string, CompiledNode>;
  weights: CompiledWeight[];
  dataset?: DatasetInfo;
  /** Nodes needed to compute `targets`, in topological order. */
  ancestors(targets: readonly string[]): string[];
  trainableWeights(modules: readonly string[]): CompiledWeight[];
  dispose(): void;
}

export interface CompileOptions {
  registries: GraphRegistries;
  /**
   * What loading this very graph found (LoadResult's problems and inferred),
   * so shape inference runs once when training starts; checked here when absent.
   */
  checked?: GraphCheck;
  seed?: number;
}

function moduleOf(graph: GraphDocument): Map<string, GraphModule | undefined> {
  const owner = new Map<string, GraphModule | undefined>();
  for (const module of graph.modules) for (const nodeId of module.nodes) owner.set(nodeId, module);
  return owner;
}

/**
 * pix2pix/CycleGAN's init_weights('normal', 0.02): conv and dense kernels
 * N(0, 0.02), batch-norm gamma N(1, 0.02), biases and betas zero. Weights
 * created with moduleInit: false (InstanceNorm's affine γ, β) are left alone.
 */
function gan002Init(weightName: string, fallback: Initializer): Initializer {
  // Composite nodes (a whole generator) scope their weights, e.g. 'down3/norm/gamma'; the role is the last segment.
  const role = weightName.slice(weightName.lastIndexOf('/') + 1);
  if (role === 'kernel' || role === 'weight') return normal(0, 0.02);
  if (role === 'gamma') return normal(1, 0.02);
  if (role === 'bias' || role === 'beta') return zeros;
  return fallback;
}

export function compileGraph(graph: GraphDocument, options: CompileOptions): Program {
  const registries = options.registries;
  const seed = options.seed ?? graph.training.seed;
  const { problems, inferred } = options.checked ?? checkGraph(graph, registries);
  if (hasErrors(problems)) throw new CompileError(problems);
  if (hasErrors(inferred.problems)) throw new CompileError(inferred.problems);

  const datasetDef = registries.datasets[graph.dataset.type];
  const dataset: DatasetInfo | undefined = datasetDef
    ? { type: graph.dataset.type, fields: datasetDef.fields({ ...defaultParams(datasetDef.params), ...graph.dataset.params } as never) }
    : undefined;

  const owners = moduleOf(graph);
  const wiresByNode = new Map<string, Record<string, { node: string; port: string }>>();
  for (const edge of graph.edges) {
    const wires = wiresByNode.get(edge.to.node) ?? {};
    wires[edge.to.port] = { node: edge.from.node, port: edge.from.port };
    wiresByNode.set(edge.to.node, wires);
  }

  const initRng = new Rng(seed).fork('init');
  const nodes = new Map<string, CompiledNode>();
  const allWeights: CompiledWeight[] = [];
  /** Weights by `ownerId/name`: a node that shares another's weights looks them up here instead of creating its own. */
  const weightStore = new Map<string, CompiledWeight>();
  const nodeById = new Map(graph.nodes.map((n) => [n.id, n]));
  try {
    for (const nodeId of inferred.order) {
      const node = nodeById.get(nodeId)!;
      const def = registries.nodes[node.type];
      // Shared weights are created once, by whichever user is built first, as the owner's: same seed stream, same module.
      const ownerId = node.shareWeightsWith ?? nodeId;
      const module = owners.get(ownerId);
      const moduleId = module?.id ?? MAIN_MODULE;
      const types = inferred.nodes[nodeId];
      const weights: CompiledWeight[] = [];
      const nodeRng = initRng.fork(ownerId);
      const runtime = def.build({
        nodeId,
        params: node.params as never,
        inputs: types.inputs,
        outputs: types.outputs,
        dataset,
        registries,
        weight(name, shape, init, weightOptions) {
          const key = `${ownerId}/${name}`;
          const existing = weightStore.get(key);
          if (existing) {
            if (existing.variable.shape.join('x') !== shape.join('x')) {
              throw new Error(
                `node '${nodeId}' shares weights with '${ownerId}', but its '${name}' needs shape [${shape}] and '${ownerId}' has [${existing.variable.shape}]; give both nodes the same params and input channels`,
              );
            }
            weights.push(existing);
            return existing.variable;
          }
          const trainable = weightOptions?.trainable ?? true;
          const chosen = module?.init === 'normal0.02' && trainable && weightOptions?.moduleInit !== false ? gan002Init(name, init) : init;
          const values = chosen(shape, nodeRng.fork(name));
          const variable = tf.variable(tf.tensor(values, shape, 'float32'), trainable);
          const weight = { name: key, nodeId: ownerId, moduleId, trainable, variable };
          weightStore.set(key, weight);
          weights.push(weight);
          allWeights.push(weight);
          return variable;
        },
      });
      const wires = wiresByNode.get(nodeId) ?? {};
      const dependsOn = new Set<string>();
      if (weights.some((w) => w.trainable)) dependsOn.add(moduleId);
      for (const wire of Object.values(wires)) for (const m of nodes.get(wire.node)!.dependsOn) dependsOn.add(m);
      nodes.set(nodeId, {
        id: nodeId,
        def,
        runtime: runtime as CompiledNode['runtime'],
        moduleId,
        wires,
        inputTypes: types.inputs,
        outputTypes: types.outputs,
        weights,
        dependsOn,
      });
    }
  } catch (error) {
    for (const w of allWeights) w.variable.dispose();
    throw error;
  }

  const position = new Map<string, number>(inferred.order.map((id: string, i: number) => [id, i]));
  return {
    graph,
    order: inferred.order,
    nodes,
    weights: allWeights,
    dataset,
    ancestors(targets) {
      const needed = new Set<string>();
      const stack = [...targets];
      while (stack.length > 0) {
        const id = stack.pop()!;
        if (needed.has(id)) continue;
        needed.add(id);
        for (const wire of Object.values(nodes.get(id)?.wires ?? {})) stack.push(wire.node);
      }
      return [...needed].sort((a, b) => position.get(a)! - position.get(b)!);
    },
    trainableWeights(modules) {
      const wanted = new Set(modules);
      return allWeights.filter((w) => w.trainable && wanted.has(w.moduleId));
    },
    dispose() {
      for (const node of nodes.values()) node.runtime.dispose?.();
      for (const w of allWeights) w.variable.dispose();
    },
  };
}

/** Collects every tensor inside a port value (pyramids and targets hold several). */
export function tensorsOf(value: Value | undefined): tf.Tensor[] {
  if (!value) return [];
  if (value instanceof tf.Tensor) return [value];
  return Object.values(value);
}
