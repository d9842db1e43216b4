/**
 * Builds and runs single nodes outside a graph, for node tests: weights are
 * created the way the compiler creates them (seeded, PyTorch initialisers).
 */
import { tf } from '../../core/tf';
import { Rng } from '../../core/rng';
import { defaultParams, type ParamSpecs, type ParamValues } from '../../core/params';
import type { AnyNodeDefinition, DatasetInfo, GraphRegistries, NodeRuntime, RunMode, Value } from '../../core/node-api';
import type { ValueType } from '../../core/types';
import { library } from '../library';

export interface BuiltNode {
  runtime: NodeRuntime<Record<string, never>, Record<string, never>>;
  params: Record<string, unknown>;
  outputTypes: Record<string, ValueType | undefined>;
  weights: Map<string, { variable: tf.Variable; trainable: boolean }>;
  run(inputs: Record<string, Value | undefined>, mode?: Partial<RunMode>): Record<string, Value | undefined>;
  dispose(): void;
}

export function buildNode(
  def: AnyNodeDefinition,
  inputTypes: Record<string, ValueType | undefined>,
  params: Record<string, unknown> = {},
  /** `registries` defaults to the shipped library with file access, as the trainer has it. */
  options: { dataset?: DatasetInfo; seed?: number; registries?: GraphRegistries } = {},
): BuiltNode {
  const fullParams = { ...defaultParams(def.params as ParamSpecs), ...params } as ParamValues<ParamSpecs>;
  const registries = options.registries ?? library;
  const outputTypes = def.inferShape({ inputs: inputTypes, params: fullParams, dataset: options.dataset, registries });
  const weights = new Map<string, { variable: tf.Variable; trainable: boolean }>();
  const rng = new Rng(options.seed ?? 1);
  const runtime = def.build({
    nodeId: 'node',
    params: fullParams,
    inputs: inputTypes,
    outputs: outputTypes,
    dataset: options.dataset,
    registries,
    weight(name, shape, init, weightOptions) {
      const trainable = weightOptions?.trainable ?? true;
      const variable = tf.variable(tf.tensor(init(shape, rng.fork(name)), shape, 'float32'), trainable);
      weights.set(name, { variable, trainable });
      return variable;
    },
  });
  return {
    runtime,
    params: fullParams,
    outputTypes,
    weights,
    run: (inputs, mode = {}) => runtime.forward(inputs as never, runMode(mode)) as Record<string, Value | undefined>,
    dispose: () => {
      for (const { variable } of weights.values()) variable.dispose();
    },
  };
}

export function runMode(overrides: Partial<RunMode> = {}): RunMode {
  return { training: true, updateStats: true, rng: new Rng(7), batch: {}, ...overrides };
}

/** Random values for a concrete shape: class ids in [0, classes) for integer kinds, N(0, 1) otherwise. */
export function randomValue(type: ValueType, shape: number[], rng: Rng, classes = 3): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (type.dtype === 'int32' || type.kind === 'labels') {
    return tf.tensor(Int32Array.from({ length: size }, () => rng.int(classes)), shape, 'int32');
  }
  return tf.tensor(rng.fillNormal(new Float32Array(size), 0, 1), shape, 'float32');
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs expected ${expected.length}`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  if (!(worst <= tolerance)) {
    throw new Error(`max relative error ${worst} at index ${at} (got ${actual[at]}, expected ${expected[at]}) exceeds ${tolerance}`);
  }
}
