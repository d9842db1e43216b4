/**
 * Adam and SGD with PyTorch's exact update rules and defaults. We write our
 * own instead of using tf.train: its Adam uses eps 1e-7 inside a different
 * formula, it has no weight decay, and its slots cannot be saved and restored
 * by name, which resume-with-identical-results needs.
 */
import { tf } from '../tf';
import type { OptimizerSpec, ScheduleSpec } from '../graph/schema';

/** A weight with its stable name (`nodeId/weight`), which checkpoints and slots are keyed by. */
export interface NamedVariable {
  name: string;
  variable: tf.Variable;
}

export interface SlotTensor {
  name: string;
  tensor: tf.Variable;
}

export interface Optimizer {
  readonly id: string;
  /** Number of updates applied so far (Adam's bias correction depends on it). */
  readonly stepCount: number;
  /** Applies one update with learning rate `lr`; `grads` is keyed by variable name. */
  apply(grads: Record<string, tf.Tensor>, lr: number): void;
  /** Everything needed to resume, keyed `${variableName}/${slot}`. */
  slots(): SlotTensor[];
  restore(stepCount: number, slots: Record<string, Float32Array>): void;
  dispose(): void;
}

abstract class SlottedOptimizer implements Optimizer {
  protected readonly slotMap = new Map<string, tf.Variable>();
  /** Slots that hold real state (PyTorch creates momentum buffers on first use). */
  protected readonly initialised = new Set<string>();
  stepCount = 0;

  constructor(
    readonly id: string,
    protected readonly vars: readonly NamedVariable[],
    slotNames: readonly string[],
  ) {
    for (const { name: weightName, variable } of vars) {
      for (const name of slotNames) {
        const key = `${weightName}/${name}`;
        // tfjs variable names are global to the engine; slots stay unnamed there and are keyed here.
        this.slotMap.set(key, tf.variable(tf.zerosLike(variable), false));
      }
    }
  }

  protected slot(weightName: string, name: string): tf.Variable {
    return this.slotMap.get(`${weightName}/${name}`)!;
  }

  abstract apply(grads: Record<string, tf.Tensor>, lr: number): void;

  slots(): SlotTensor[] {
    return [...this.slotMap.entries()].map(([name, tensor]) => ({ name, tensor }));
  }

  restore(stepCount: number, slots: Record<string, Float32Array>): void {
    this.stepCount = stepCount;
    for (const [key, variable] of this.slotMap) {
      const values = slots[key];
      if (!values) continue;
      if (values.length !== variable.size) {
        throw new Error(`optimizer '${this.id}': saved state '${key}' has ${values.length} values but the weight has ${variable.size}; the graph changed since the checkpoint`);
      }
      tf.tidy(() => variable.assign(tf.tensor(values, variable.shape, 'float32')));
      this.initialised.add(key);
    }
  }

  dispose(): void {
    for (const slot of this.slotMap.values()) slot.dispose();
    this.slotMap.clear();
  }
}

export class Adam extends SlottedOptimizer {
  constructor(
    id: string,
    vars: readonly NamedVariable[],
    private readonly beta1: number,
    private readonly beta2: number,
    private readonly eps: number,
    private readonly weightDecay: number,
  ) {
    super(id, vars, ['exp_avg', 'exp_avg_sq']);
  }

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.stepCount++;
    const t = this.stepCount;
    const stepSize = lr / (1 - this.beta1 ** t);
    const sqrtBiasCorrection2 = Math.sqrt(1 - this.beta2 ** t);
    tf.tidy(() => {
      for (const { name: weightName, variable } of this.vars) {
        let g = grads[weightName];
        if (!g) continue;
        if (this.weightDecay !== 0) g = tf.add(g, tf.mul(variable, this.weightDecay));
        const m = this.slot(weightName, 'exp_avg');
        const v = this.slot(weightName, 'exp_avg_sq');
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2));
        m.assign(newM);
        v.assign(newV);
        const denom = tf.add(tf.div(tf.sqrt(newV), sqrtBiasCorrection2), this.eps);
        variable.assign(tf.sub(variable, tf.mul(tf.div(newM, denom), stepSize)));
      }
    });
  }
}

export class Sgd extends SlottedOptimizer {
  constructor(
    id: string,
    vars: readonly NamedVariable[],
    private readonly momentum: number,
    private readonly nesterov: boolean,
    private readonly weightDecay: number,
  ) {
    super(id, vars, momentum !== 0 ? ['momentum_buffer'] : []);
  }

  apply(grads: Record<string, tf.Tensor>, lr: number): void {
    this.stepCount++;
    tf.tidy(() => {
      for (const { name: weightName, variable } of this.vars) {
        let g = grads[weightName];
        if (!g) continue;
        if (this.weightDecay !== 0) g = tf.add(g, tf.mul(variable, this.weightDecay));
        if (this.momentum !== 0) {
          const key = `${weightName}/momentum_buffer`;
          const buf = this.slot(weightName, 'momentum_buffer');
          // PyTorch seeds the buffer with the first gradient instead of decaying from zero.
          const newBuf = this.initialised.has(key) ? tf.add(tf.mul(buf, this.momentum), g) : g;
          buf.assign(newBuf);
          this.initialised.add(key);
          g = this.nesterov ? tf.add(g, tf.mul(newBuf, this.momentum)) : newBuf;
        }
        variable.assign(tf.sub(variable, tf.mul(g, lr)));
      }
    });
  }
}

export function createOptimizer(spec: OptimizerSpec, vars: readonly NamedVariable[]): Optimizer {
  switch (spec.type) {
    case 'adam':
      return new Adam(spec.id, vars, spec.betas[0], spec.betas[1], spec.eps, spec.weightDecay);
    case 'sgd':
      return new Sgd(spec.id, vars, spec.momentum, spec.nesterov, spec.weightDecay);
  }
}

function scheduleFactor(schedule: ScheduleSpec, step: number): number {
  switch (schedule.type) {
    case 'constant':
      return 1;
    case 'step':
      return schedule.gamma ** Math.floor(step / schedule.stepSize);
    case 'linear':
      // pix2pix's rule, 1 − max(0, epoch + 1 − n_epochs) / (n_epochs_decay + 1) with 0-based epochs:
      // constantSteps updates at the full rate, the next already decayed, 0 from step constantSteps + decaySteps.
      return 1 - Math.max(0, step + 1 - schedule.constantSteps) / (schedule.decaySteps + 1);
  }
}

/** Learning rate used for the update at `step` (0-based). */
export function learningRate(spec: OptimizerSpec, step: number): number {
  let factor = Math.max(0, scheduleFactor(spec.schedule, step));
  if (spec.warmup && step < spec.warmup.steps) {
    const alpha = step / spec.warmup.steps;
    factor *= spec.warmup.startFactor * (1 - alpha) + alpha;
  }
  return spec.lr * factor;
}
