/**
 * Builds graph documents in code: templates, tests and benchmarks use it so
 * that a graph is written once, with ids and wires that read like the
 * architecture, and every param not given takes the node type's default.
 */
import type { GraphDocument, GraphNode, OptimizerSpec, TrainingSpec } from './schema';
import { GRAPH_FORMAT, GRAPH_VERSION, optimizerSchema, trainingSchema } from './schema';

const trainingSettingsSchema = trainingSchema.omit({ optimizers: true });
import type { GraphRegistries } from './registries';
import { defaultParams } from '../params';
import { layoutGraph } from './layout';

/** `nodeId.port` */
export type PortRef = `${string}.${string}`;

export type OptimizerInput = Omit<Partial<OptimizerSpec>, 'type' | 'id' | 'modules' | 'losses'> & {
  type: OptimizerSpec['type'];
  id: string;
  modules: string[];
  losses: { node: string; weight: number }[];
  betas?: [number, number];
  eps?: number;
  momentum?: number;
  nesterov?: boolean;
};

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly edges: GraphDocument['edges'] = [];
  private readonly modules: GraphDocument['modules'] = [];
  private datasetSpec: GraphDocument['dataset'] = { type: 'shapes', params: {} };
  private trainingSpec: Partial<Omit<TrainingSpec, 'optimizers'>> = {};
  private readonly optimizers: OptimizerInput[] = [];
  private counter = 0;

  constructor(
    private readonly meta: { name: string; description?: string },
    private readonly registries: GraphRegistries,
  ) {}

  /** Adds a node; params not given take the type's defaults. Returns its id. */
  add(type: string, params: Record<string, unknown> = {}, id?: string): string {
    const def = this.registries.nodes[type];
    if (!def) throw new Error(`GraphBuilder: unknown node type '${type}'`);
    const nodeId = id ?? `${type.replace(/[^A-Za-z0-9]/g, '_')}_${++this.counter}`;
    if (this.nodes.some((n) => n.id === nodeId)) throw new Error(`GraphBuilder: duplicate node id '${nodeId}'`);
    this.nodes.push({ id: nodeId, type, typeVersion: def.version, params: { ...defaultParams(def.params), ...params } });
    return nodeId;
  }

  /** Wires `from` ('node.port') to `to` ('node.port'). */
  connect(from: PortRef | string, to: PortRef | string): this {
    const [fromNode, fromPort] = splitRef(from);
    const [toNode, toPort] = splitRef(to);
    this.edges.push({ from: { node: fromNode, port: fromPort }, to: { node: toNode, port: toPort } });
    return this;
  }

  /** Adds a node and wires its inputs in one go: `inputs` maps its input ports to 'node.port' sources. */
  op(type: string, inputs: Record<string, string>, params: Record<string, unknown> = {}, id?: string): string {
    const nodeId = this.add(type, params, id);
    for (const [port, source] of Object.entries(inputs)) this.connect(source, `${nodeId}.${port}`);
    return nodeId;
  }

  /** Makes `nodeId` use the weights of `ownerId` (same type and params) instead of its own. */
  shareWeights(nodeId: string, ownerId: string): this {
    const node = this.nodes.find((n) => n.id === nodeId);
    if (!node) throw new Error(`GraphBuilder: no node '${nodeId}' to share weights`);
    node.shareWeightsWith = ownerId;
    return this;
  }

  module(id: string, name: string, nodes: string[], init?: 'default' | 'normal0.02'): this {
    this.modules.push({ id, name, nodes, ...(init ? { init } : {}) });
    return this;
  }

  dataset(type: string, params: Record<string, unknown> = {}): this {
    this.datasetSpec = { type, params };
    return this;
  }

  training(spec: Partial<Omit<TrainingSpec, 'optimizers'>>): this {
    this.trainingSpec = { ...this.trainingSpec, ...spec };
    return this;
  }

  optimizer(spec: OptimizerInput): this {
    this.optimizers.push(spec);
    return this;
  }

  build(): GraphDocument {
    // Defaults come from the schema, their one home; a spec it refuses is kept as given, for validation to name.
    const optimizers = this.optimizers.map((o) => {
      const parsed = optimizerSchema.safeParse(o);
      return parsed.success ? parsed.data : (o as OptimizerSpec);
    });
    const parsedTraining = trainingSettingsSchema.safeParse(this.trainingSpec);
    const training = parsedTraining.success ? parsedTraining.data : (this.trainingSpec as Omit<TrainingSpec, 'optimizers'>);
    return {
      format: GRAPH_FORMAT,
      version: GRAPH_VERSION,
      name: this.meta.name,
      description: this.meta.description ?? '',
      nodes: this.nodes,
      edges: this.edges,
      modules: this.modules,
      dataset: this.datasetSpec,
      training: { ...training, optimizers },
      layout: { nodes: layoutGraph({ nodes: this.nodes, edges: this.edges, modules: this.modules }), modules: {} },
    };
  }
}

function splitRef(ref: string): [string, string] {
  const dot = ref.lastIndexOf('.');
  if (dot <= 0 || dot === ref.length - 1) throw new Error(`GraphBuilder: '${ref}' is not 'node.port'`);
  return [ref.slice(0, dot), ref.slice(dot + 1)];
}
