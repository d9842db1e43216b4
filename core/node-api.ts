/**
 * The contract every node type fulfils. A node is declarative data (ports,
 * params, docs) plus two functions: a pure `inferShape` that the editor calls
 * on every edit, and a `build` that the compiler calls once to create weights
 * and return the forward function. Nothing here knows about the UI.
 */
import type { tf } from './tf';
import type { ParamSpecs, ParamValues } from './params';
import type { PortKind, ValueType } from './types';
import type { Rng } from './rng';
import type { AnyDatasetDefinition } from './data/dataset-api';
import type { NodeIO } from './io';

export type { NodeIO };
import type { PytorchExport } from './export/pytorch-api';

export const CATEGORIES = [
  'io',
  'layers',
  'backbones',
  'necks',
  'detection',
  'segmentation',
  'keypoints',
  'generative',
  'losses',
  'utility',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const CATEGORY_TITLES: Record<Category, string> = {
  io: 'I/O',
  layers: 'Layers',
  backbones: 'Backbones',
  necks: 'Necks',
  detection: 'Detection',
  segmentation: 'Segmentation',
  keypoints: 'Keypoints',
  generative: 'Generative',
  losses: 'Losses',
  utility: 'Utility',
};

export interface InputPortDef {
  /** Kinds this input accepts; see `kindAccepts` for the widening rules. */
  kinds: readonly PortKind[];
  doc: string;
  optional?: boolean;
}

export interface OutputPortDef {
  kind: PortKind;
  doc: string;
}

export type InputPorts = Record<string, InputPortDef>;
export type OutputPorts = Record<string, OutputPortDef>;

/** What a node's shape rule sees of its inputs: undefined for optional inputs left unwired. */
export type InputTypes<I extends InputPorts> = {
  [K in keyof I]: I[K]['optional'] extends true ? ValueType | undefined : ValueType;
};
export type OutputTypes<O extends OutputPorts> = { [K in keyof O]?: ValueType };

/** What the graph's dataset provides, so input nodes can type their outputs. */
export interface DatasetInfo {
  type: string;
  fields: Record<string, ValueType>;
}

/**
 * The node and dataset types a graph is checked and compiled against (the
 * node library an entry point passed in), and file access where the host
 * has it.
 */
export interface GraphRegistries {
  nodes: Readonly<Record<string, AnyNodeDefinition>>;
  datasets: Readonly<Record<string, AnyDatasetDefinition>>;
  io?: NodeIO;
}

export interface InferArgs<S extends ParamSpecs, I extends InputPorts> {
  inputs: InputTypes<I>;
  params: ParamValues<S>;
  dataset?: DatasetInfo;
  /**
   * What the graph is checked against. A shape rule stays a function of its
   * arguments: a node that needs a file reads it through `registries.io`,
   * and without it (the editor) says what it can without the file.
   */
  registries?: GraphRegistries;
}

/**
 * Thrown by `inferShape` when inputs do not fit. The message says what is
 * wrong and how to fix it; the validator adds the node id and type.
 */
export class ShapeError extends Error {
  constructor(
    message: string,
    /** The input port or param the problem is about, when there is one. */
    readonly at?: { port?: string; param?: string },
  ) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** A value on a wire at run time: a tensor, or named tensors for structured kinds (pyramid levels, targets). */
export type Value = tf.Tensor | { [name: string]: tf.Tensor };

export type Initializer = (shape: number[], rng: Rng) => Float32Array;

export interface WeightOptions {
  /** Non-trainable state (batch-norm running statistics) is saved but never optimised. */
  trainable?: boolean;
  /**
   * False keeps this weight's own initialiser even in a module with init
   * 'normal0.02', which otherwise re-draws weights by their role (kernels,
   * batch-norm γ, biases). pix2pix's init_weights leaves InstanceNorm's affine
   * γ and β alone, and so does a node that passes false here.
   */
  moduleInit?: boolean;
}

export interface BuildContext<S extends ParamSpecs, I extends InputPorts, O extends OutputPorts> {
  nodeId: string;
  params: ParamValues<S>;
  /** Inferred input types: concrete except for symbolic batch/RoI dims. */
  inputs: InputTypes<I>;
  outputs: OutputTypes<O>;
  dataset?: DatasetInfo;
  /** The registries and file access the graph is compiled with (see InferArgs). */
  registries?: GraphRegistries;
  /** Creates a weight owned by this node (and so by its module). Initial values come from `init` with this node's seeded generator. */
  weight(name: string, shape: number[], init: Initializer, options?: WeightOptions): tf.Variable;
}

export interface RunMode {
  training: boolean;
  /**
   * Random numbers for this node in this step (dropout masks). The same
   * node gets the same stream if it runs twice within a step, so recomputing
   * a generator for a second optimizer sees the same dropout as the first.
   */
  rng: Rng;
  /**
   * True the first time a node runs in a training step. Running statistics
   * update only then, so a forward pass repeated for another optimizer does
   * not count the batch twice.
   */
  updateStats: boolean;
  /** The current batch, for dataset input nodes. */
  batch: Record<string, tf.Tensor>;
}

export type ForwardInputs<I extends InputPorts> = {
  [K in keyof I]: I[K]['optional'] extends true ? Value | undefined : Value;
};
export type ForwardOutputs<O extends OutputPorts> = { [K in keyof O]?: Value };

/** State a node keeps that is not a weight (an image pool's stored images): named float arrays with their shapes. */
export type NodeState = Record<string, { shape: number[]; values: Float32Array }>;

export interface NodeRuntime<I extends InputPorts, O extends OutputPorts> {
  forward(inputs: ForwardInputs<I>, mode: RunMode): ForwardOutputs<O>;
  /** Frees constants made in build (interpolation matrices, class weights); weights are freed by the compiler. */
  dispose?(): void;
  /** Node-owned state for checkpoints, so a resumed run continues exactly; weights are saved without it. */
  saveState?(): NodeState;
  /** Puts back what saveState returned (in a freshly built runtime). */
  loadState?(state: NodeState): void;
}

/**
 * Metrics a node's outputs can be measured by on held-out data (COCO box
 * and mask AP for an instance-segmentation output). The trainer runs the
 * graph in evaluation mode batch by batch and hands each batch's outputs of
 * this node, with the batch, to one tally; no engine file names a node type.
 */
export interface NodeMetrics {
  /** Ground-truth dataset fields the tally compares with, read besides the graph's own. */
  fields: readonly string[];
  /** A fresh tally for one evaluation. */
  start(nodeId: string): MetricTally;
}

export interface MetricTally {
  /** One batch: this node's outputs (read back with dataSync; the engine disposes them) and the batch's fields. */
  add(outputs: Record<string, Value | undefined>, batch: Record<string, tf.Tensor>): void;
  /** Metric values by name (e.g. 'segm/AP50'); NaN for those with nothing to measure. */
  result(): Record<string, number>;
}

/** Rewrites an older version's params to the next version's. Each one has its own test. */
export type ParamMigration = (params: Record<string, unknown>) => Record<string, unknown>;

export interface NodeDefinition<
  S extends ParamSpecs = ParamSpecs,
  I extends InputPorts = InputPorts,
  O extends OutputPorts = OutputPorts,
> {
  /** Never changes once shipped: saved graphs refer to it. */
  type: string;
  /** Bumped when params change meaning; `migrations[v]` upgrades version v to v + 1. */
  version: number;
  category: Category;
  title: string;
  doc: string;
  inputs: I;
  outputs: O;
  params: S;
  inferShape(args: InferArgs<S, I>): OutputTypes<O>;
  build(ctx: BuildContext<S, I, O>): NodeRuntime<I, O>;
  /** Multiply-adds ×2 per sample, for `tensorweave info`. */
  flops?(args: InferArgs<S, I> & { outputs: OutputTypes<O> }): number;
  migrations?: Record<number, ParamMigration>;
  /**
   * True for the node whose outputs are the dataset's fields by name (the
   * dataset input): the trainer batches only the fields wired from it, and
   * previews show them as inputs.
   */
  readsDataset?: boolean;
  /** How this node's outputs are measured on the validation split, when they can be. */
  metrics?: NodeMetrics;
  /** How this node exports to PyTorch (`tensorweave export pytorch`); a graph holding a node type without it cannot export. */
  pytorch?: PytorchExport<S>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNodeDefinition = NodeDefinition<any, any, any>;

export function defineNode<const S extends ParamSpecs, const I extends InputPorts, const O extends OutputPorts>(
  def: NodeDefinition<S, I, O>,
): NodeDefinition<S, I, O> {
  return def;
}
