/**
 * A compiled program with its optimizers: one training step at a time.
 * The trainer drives it for a run; benchmarks and tests drive it directly.
 */
import { tf } from '../tf';
import { compileGraph, type Program } from '../compile/compiler';
import { StepExecutor } from '../compile/executor';
import { createOptimizer, learningRate, type Optimizer } from './optimizers';
import type { GraphDocument, OptimizerSpec } from '../graph/schema';
import type { GraphRegistries } from '../graph/registries';
import type { GraphCheck } from '../graph/validate';

export interface StepResult {
  /** Unweighted value of each loss node, by node id. */
  losses: Record<string, number>;
  /** Weighted objective of each optimizer. */
  totals: Record<string, number>;
  lr: Record<string, number>;
}

export class NonFiniteLossError extends Error {
  constructor(
    readonly lossNode: string,
    readonly value: number,
    readonly step: number,
    /** First node, in execution order, whose output is NaN or ±Inf. */
    readonly culprit?: { nodeId: string; port: string },
  ) {
    const where = culprit
      ? `the first node whose output is not finite is '${culprit.nodeId}' (port '${culprit.port}')`
      : 'every node output is finite on a re-run, so the overflow happened in the loss arithmetic';
    super(
      `loss '${lossNode}' became ${value} at step ${step}; ${where}. Lower the learning rate, check the inputs' value range, or add normalisation; the run so far is kept.`,
    );
    this.name = 'NonFiniteLossError';
  }
}

export interface ActiveOptimizer {
  spec: OptimizerSpec;
  optimizer: Optimizer;
  modules: ReadonlySet<string>;
  /** tfjs variable name → stable weight name. */
  names: Map<string, string>;
  variables: tf.Variable[];
}

export class TrainingSession {
  readonly optimizers: ActiveOptimizer[];
  /**
   * Per optimizer: nodes it computes on its tape whose values a later
   * optimizer reads without differentiating them (G's fakes when D steps
   * after G). Only those are kept past the tape.
   */
  private readonly keepAfter: ReadonlySet<string>[];
  /**
   * Loss nodes no optimizer minimises. They are still computed each step,
   * outside every gradient tape, and logged with the others: a validation
   * metric or a loss being tried out is watched without training on it.
   */
  readonly monitored: readonly string[];

  constructor(
    readonly program: Program,
    readonly seed: number,
  ) {
    this.optimizers = program.graph.training.optimizers.map((spec) => {
      const weights = program.trainableWeights(spec.modules);
      return {
        spec,
        optimizer: createOptimizer(spec, weights.map((w) => ({ name: w.name, variable: w.variable }))),
        modules: new Set(spec.modules),
        names: new Map(weights.map((w) => [w.variable.name, w.name])),
        variables: weights.map((w) => w.variable),
      };
    });
    const live = (id: string, modules: ReadonlySet<string>) => [...program.nodes.get(id)!.dependsOn].some((m) => modules.has(m));
    const needs = this.optimizers.map((o) => program.ancestors(o.spec.losses.map((l) => l.node)));
    this.keepAfter = this.optimizers.map((o, k) => {
      const keep = new Set<string>();
      for (let j = k + 1; j < this.optimizers.length; j++) {
        for (const id of needs[j]) if (live(id, o.modules) && !live(id, this.optimizers[j].modules)) keep.add(id);
      }
      return keep;
    });
    const minimised = new Set(this.optimizers.flatMap((o) => o.spec.losses.map((l) => l.node)));
    this.monitored = program.order.filter((id) => {
      if (minimised.has(id)) return false;
      return Object.values(program.nodes.get(id)!.def.outputs as Record<string, { kind: string }>).some((out) => out.kind === 'loss');
    });
  }

  static compile(graph: GraphDocument, options: { registries: GraphRegistries; seed?: number; checked?: GraphCheck }): TrainingSession {
    const seed = options.seed ?? graph.training.seed;
    return new TrainingSession(compileGraph(graph, { registries: options.registries, seed, checked: options.checked }), seed);
  }

  /**
   * One iteration: each optimizer, in the graph's order, computes its
   * weighted losses, differentiates them with respect to its own modules'
   * weights only, and steps. Batch tensors stay owned by the caller.
   */
  step(batch: Record<string, tf.Tensor>, step: number): StepResult {
    const executor = new StepExecutor(this.program, { training: true, step, seed: this.seed, batch });
    const result: StepResult = { losses: {}, totals: {}, lr: {} };
    try {
      this.optimizers.forEach((active, k) => this.optimizerStep(active, executor, batch, step, result, this.keepAfter[k]));
      this.monitor(executor, result);
    } finally {
      executor.dispose();
    }
    return result;
  }

  private optimizerStep(
    active: ActiveOptimizer,
    executor: StepExecutor,
    batch: Record<string, tf.Tensor>,
    step: number,
    result: StepResult,
    keep: ReadonlySet<string>,
  ): void {
    const { spec } = active;
    const lossTensors: Record<string, tf.Tensor> = {};
    const targets = spec.losses.map((term) => term.node);
    executor.prepare(targets, active.modules);
    const { value, grads } = tf.variableGrads(() => {
      const outputs = executor.evaluate(targets, active.modules, keep);
      let total: tf.Scalar | undefined;
      for (const term of spec.losses) {
        const loss = lossOutput(outputs.get(term.node)!, term.node);
        lossTensors[term.node] = tf.keep(loss);
        const weighted = tf.mul(loss, term.weight) as tf.Scalar;
        total = total ? (tf.add(total, weighted) as tf.Scalar) : weighted;
      }
      return total!;
    }, active.variables);
    try {
      const values = Object.fromEntries(Object.entries(lossTensors).map(([id, t]) => [id, t.dataSync()[0]]));
      const totalValue = value.dataSync()[0];
      const bad = Object.entries(values).find(([, v]) => !Number.isFinite(v));
      if (bad || !Number.isFinite(totalValue)) {
        const lossNode = bad?.[0] ?? spec.losses[0].node;
        throw new NonFiniteLossError(lossNode, bad?.[1] ?? totalValue, step + 1, this.locateNonFinite(batch, step));
      }
      const byName: Record<string, tf.Tensor> = {};
      for (const [tfName, grad] of Object.entries(grads)) byName[active.names.get(tfName) ?? tfName] = grad;
      const rate = learningRate(spec, step);
      active.optimizer.apply(byName, rate);
      Object.assign(result.losses, values);
      result.totals[spec.id] = totalValue;
      result.lr[spec.id] = rate;
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
      tf.dispose(Object.values(lossTensors));
    }
  }

  /** Values of the monitored losses, from this step's values where they exist (after the optimizers stepped otherwise). */
  private monitor(executor: StepExecutor, result: StepResult): void {
    if (this.monitored.length === 0) return;
    const outputs = executor.evaluate(this.monitored);
    for (const id of this.monitored) {
      const loss = lossOutput(outputs.get(id)!, id);
      // Not stopped on NaN: nothing trains on this value, so it cannot derail the run.
      result.losses[id] = loss.dataSync()[0];
    }
  }

  private locateNonFinite(batch: Record<string, tf.Tensor>, step: number): { nodeId: string; port: string } | undefined {
    const probe = new StepExecutor(this.program, { training: true, step, seed: this.seed, batch, frozenStats: true });
    try {
      return probe.findFirstNonFinite();
    } finally {
      probe.dispose();
    }
  }

  dispose(): void {
    for (const o of this.optimizers) o.optimizer.dispose();
    this.program.dispose();
  }
}

function lossOutput(outputs: Record<string, unknown>, nodeId: string): tf.Scalar {
  const value = outputs.loss ?? Object.values(outputs).find((v) => v instanceof tf.Tensor && (v as tf.Tensor).rank === 0);
  if (!(value instanceof tf.Tensor) || value.rank !== 0) {
    throw new Error(`loss term '${nodeId}' did not produce a scalar loss; use a loss node's 'loss' output`);
  }
  return value as tf.Scalar;
}
