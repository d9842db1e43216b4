/**
 * Builds and runs single nodes outside a graph, for node tests: weights are
 * created the way the compiler creates them (seeded, PyTorch initialisers).
 */
import { tf } from '../../core/tf';
import { Rng } from '../../core/rng';
import { defaultParams, type ParamSpecs, type ParamValues } from '../../core/params';
import type { AnyNodeDefinition, DatasetInfo, GraphRegistries, NodeRuntime, RunMode, Value } from '../../core/node-api';
import { concreteShape, type ValueType } from '../../core/types';
import type { Fixture } from './fixtures';
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

/**
 * What a node fixture runs on: its given values, random ones for the other inputs (one tensor per level of a named
 * map), random dataset fields, and the float inputs that gradients are taken through (data inputs excluded). Given
 * values no port takes are disposed here.
 */
export function fixtureValues(fixture: Fixture, rng: Rng, batchSize: number): { inputs: Record<string, Value>; batch: Record<string, tf.Tensor>; floatInputs: string[] } {
  const sizes = { N: batchSize };
  const given = fixture.values?.() ?? {};
  const inputs: Record<string, Value> = {};
  for (const [port, t] of Object.entries(fixture.inputs)) {
    inputs[port] =
      given[port] ??
      (t.levels
        ? Object.fromEntries(Object.entries(t.levels).map(([level, shape]) => [level, randomValue(t, concreteShape(shape, sizes), rng)]))
        : randomValue(t, concreteShape(t.shape!, sizes), rng, fixture.classes));
  }
  tf.dispose(Object.entries(given).filter(([port]) => !(port in fixture.inputs)).map(([, v]) => v));
  const batch: Record<string, tf.Tensor> = {};
  for (const [field, t] of Object.entries(fixture.dataset?.fields ?? {})) batch[field] = randomValue(t, concreteShape(t.shape!, sizes), rng);
  const floatInputs = Object.keys(inputs).filter(
    (port) => inputs[port] instanceof tf.Tensor && inputs[port].dtype === 'float32' && !fixture.dataInputs?.includes(port),
  );
  return { inputs, batch, floatInputs };
}

/** Every float tensor one training-mode run outputs (levels of named maps included), with `xs` in place of the float inputs. */
export function floatOutputs(
  node: BuiltNode,
  inputs: Record<string, Value>,
  floatInputs: readonly string[],
  batch: Record<string, tf.Tensor>,
  xs: tf.Tensor[],
): tf.Tensor[] {
  const values: Record<string, Value> = { ...inputs };
  floatInputs.forEach((port, i) => (values[port] = xs[i] ?? inputs[port]));
  const outputs = node.run(values, { training: true, updateStats: false, batch });
  return Object.values(outputs)
    .flatMap((v) => (v instanceof tf.Tensor ? [v] : Object.values(v ?? {})))
    .filter((v): v is tf.Tensor => v instanceof tf.Tensor && v.dtype === 'float32');
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
