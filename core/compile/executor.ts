/**
 * Runs a compiled program for one step. With several optimizers, each one
 * needs a forward pass recorded on the gradient tape only for the nodes its
 * own weights influence; everything else (the generator's output during the
 * discriminator's step, say) is computed once per step, outside the tape,
 * and shared. That is PyTorch's `fake.detach()` without the user writing it,
 * and it guarantees D's step cannot push gradients into G.
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
  /** Outputs computed outside any tape this step, kept until the step ends or their weights change. */
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

  /**
   * Computes `targets`. Nodes influenced by `liveModules` are computed fresh
   * (call this inside the gradient function); the rest come from the shared
   * per-step results, computed on first use outside the tape.
   */
  evaluate(targets: readonly string[], liveModules: ReadonlySet<string> = new Set()): Map<string, NodeOutputs> {
    const needed = this.program.ancestors(targets);
    const isLive = (id: string) => {
      for (const m of this.program.nodes.get(id)!.dependsOn) if (liveModules.has(m)) return true;
      return false;
    };
    const detached = needed.filter((id) => !isLive(id) && !this.shared.has(id));
    if (detached.length > 0) this.computeShared(detached);

    const fresh = new Map<string, NodeOutputs>();
    const outputsOf = (id: string) => fresh.get(id) ?? this.shared.get(id)!;
    for (const id of needed) {
      if (!isLive(id)) continue;
      fresh.set(id, this.runNode(this.program.nodes.get(id)!, outputsOf));
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

  /** Drops shared results that depend on weights an optimizer has just changed. */
  invalidate(modules: ReadonlySet<string>): void {
    const stale: NodeOutputs[] = [];
    for (const [id, outputs] of this.shared) {
      const node = this.program.nodes.get(id)!;
      if ([...node.dependsOn].some((m) => modules.has(m))) {
        stale.push(outputs);
        this.shared.delete(id);
      }
    }
    this.disposeUnreferenced(stale);
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
