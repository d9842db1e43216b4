/**
 * Runs a compiled program for one step. With several optimizers, each one
 * needs a forward pass on the gradient tape only for the nodes its own
 * weights influence ("live" nodes). Every other node it needs takes the value
 * already computed earlier in this step, outside its tape: the generator's
 * output during the discriminator's step, say. That is how the reference
 * implementations behave — fakes are computed once per iteration and
 * `.detach()`ed for D, while D's outputs are recomputed after each update —
 * and it guarantees that D's step cannot push gradients into G.
 */
import { tf } from '../tf';
import { Rng } from '../rng';
import type { RunMode, Value } from '../node-api';
import { tensorsOf, type CompiledNode, type Program } from './compiler';

export type NodeOutputs = Record<string, Value | undefined>;

export class NodeRunError extends Error {
  constructor(
    readonly nodeId: string,
    readonly nodeType: string,
    cause: unknown,
  ) {
    const message = cause instanceof Error ? cause.message : String(cause);
    super(`node '${nodeId}' (${nodeType}) failed: ${message}`);
    this.name = 'NodeRunError';
  }
}

export interface StepOptions {
  training: boolean;
  step: number;
  seed: number;
  batch: Record<string, tf.Tensor>;
  /** Never update running statistics (diagnostic re-runs). */
  frozenStats?: boolean;
}

export class StepExecutor {
  /** The latest outputs of each node this step, kept until the step ends; later optimizers read them detached. */
  private readonly shared = new Map<string, NodeOutputs>();
  private readonly statsUpdated = new Set<string>();
  private readonly stepRng: Rng;

  constructor(
    private readonly program: Program,
    private readonly options: StepOptions,
  ) {
    this.stepRng = new Rng(options.seed).fork('step').fork(options.step);
  }

  private mode(node: CompiledNode): RunMode {
    const updateStats = this.options.training && !this.options.frozenStats && !this.statsUpdated.has(node.id);
    if (this.options.training) this.statsUpdated.add(node.id);
    return {
      training: this.options.training,
      rng: this.stepRng.fork(node.id),
      updateStats,
      batch: this.options.batch,
    };
  }

  private runNode(node: CompiledNode, outputsOf: (id: string) => NodeOutputs): NodeOutputs {
    const inputs: Record<string, Value | undefined> = {};
    for (const [port, wire] of Object.entries(node.wires)) {
      const value = outputsOf(wire.node)[wire.port];
      if (value === undefined) {
        throw new NodeRunError(node.id, node.def.type, `input '${port}' is wired to '${wire.node}.${wire.port}', which produced no value`);
      }
      inputs[port] = value;
    }
    try {
      return node.runtime.forward(inputs as never, this.mode(node)) as NodeOutputs;
    } catch (error) {
      if (error instanceof NodeRunError) throw error;
      throw new NodeRunError(node.id, node.def.type, error);
    }
  }

  private isLive(id: string, liveModules: ReadonlySet<string>): boolean {
    for (const m of this.program.nodes.get(id)!.dependsOn) if (liveModules.has(m)) return true;
    return false;
  }

  /**
   * Computes, outside any gradient tape, the nodes `targets` need that
   * `liveModules` do not influence and that have no value yet this step.
   * Call it before starting the tape so those forwards are not recorded.
   */
  prepare(targets: readonly string[], liveModules: ReadonlySet<string> = new Set()): void {
    const missing = this.program.ancestors(targets).filter((id) => !this.isLive(id, liveModules) && !this.shared.has(id));
    if (missing.length > 0) this.computeShared(missing);
  }

  /**
   * Computes `targets`. Nodes influenced by `liveModules` are computed fresh
   * (call this inside the gradient function); the rest use this step's
   * earlier values. Live outputs listed in `keep` are kept as those values
   * for the optimizers that step later.
   */
  evaluate(
    targets: readonly string[],
    liveModules: ReadonlySet<string> = new Set(),
    keep: ReadonlySet<string> = new Set(),
  ): Map<string, NodeOutputs> {
    this.prepare(targets, liveModules);
    const needed = this.program.ancestors(targets);
    const fresh = new Map<string, NodeOutputs>();
    const outputsOf = (id: string) => fresh.get(id) ?? this.shared.get(id)!;
    for (const id of needed) {
      if (!this.isLive(id, liveModules)) continue;
      const outputs = this.runNode(this.program.nodes.get(id)!, outputsOf);
      fresh.set(id, outputs);
      if (keep.has(id)) this.share(id, outputs);
    }
    const result = new Map<string, NodeOutputs>();
    for (const id of needed) result.set(id, outputsOf(id));
    return result;
  }

  private computeShared(ids: readonly string[]): void {
    // Runs outside any gradient tape: tf.tidy would dispose the results, so keep them explicitly.
    tf.tidy(() => {
      for (const id of ids) {
        const outputs = this.runNode(this.program.nodes.get(id)!, (dep) => this.shared.get(dep)!);
        for (const value of Object.values(outputs)) for (const t of tensorsOf(value)) tf.keep(t);
        this.shared.set(id, outputs);
      }
    });
  }

  private share(id: string, outputs: NodeOutputs): void {
    for (const value of Object.values(outputs)) for (const t of tensorsOf(value)) tf.keep(t);
    const previous = this.shared.get(id);
    this.shared.set(id, outputs);
    if (previous) this.disposeUnreferenced([previous]);
  }

  /** Runs every node in order and returns the first whose output holds NaN or ±Inf. */
  findFirstNonFinite(): { nodeId: string; port: string } | undefined {
    for (const id of this.program.order) {
      const outputs = this.evaluate([id]).get(id)!;
      for (const [port, value] of Object.entries(outputs)) {
        for (const t of tensorsOf(value)) {
          if (t.dtype !== 'float32') continue;
          const finite = tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]);
          if (!finite) return { nodeId: id, port };
        }
      }
    }
    return undefined;
  }

  dispose(): void {
    const all = [...this.shared.values()];
    this.shared.clear();
    this.disposeUnreferenced(all);
  }

  /**
   * Pass-through nodes (dataset inputs, identities) hand on the very tensor
   * they received, so a tensor is disposed only when neither the batch nor a
   * remaining shared result still holds it.
   */
  private disposeUnreferenced(released: NodeOutputs[]): void {
    const held = new Set<tf.Tensor>(Object.values(this.options.batch));
    for (const outputs of this.shared.values()) for (const v of Object.values(outputs)) for (const t of tensorsOf(v)) held.add(t);
    for (const outputs of released) {
      for (const v of Object.values(outputs)) for (const t of tensorsOf(v)) if (!held.has(t) && !t.isDisposed) t.dispose();
    }
  }
}
