import { expect } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';

export function randomValues(seed: number, size: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(size), -1, 1);
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

/** Largest absolute difference relative to the reference's largest magnitude (at least 1e-6, so all-zero references compare absolutely). */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let scale = 1e-6;
  for (let i = 0; i < expected.length; i++) {
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return worst / scale;
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-4, label = ''): void {
  const error = relativeError(actual, expected);
  expect(error, `${label}: relative error ${error}`).toBeLessThanOrEqual(tolerance);
}

/** Runs `compute` with `backendName` active and returns its result as a plain array, disposing every tensor it made. */
export async function valuesOn(backendName: 'cpu' | 'wasm', compute: () => tf.Tensor): Promise<{ shape: number[]; values: Float32Array }> {
  await tf.setBackend(backendName);
  const result = tf.tidy(compute);
  const values = (await result.data()) as Float32Array;
  const shape = result.shape;
  result.dispose();
  return { shape, values: Float32Array.from(values) };
}

export function runKernel(kernelName: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor {
  return tf.engine().runKernel(kernelName, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** Calls a kernel function directly (bypassing the registry) on the active backend and wraps its result as a tensor. */
export function runKernelFunc(kernelFunc: tf.KernelFunc, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor {
  const backend = tf.backend();
  const out = kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`expected one output, got ${out.length}`);
  return tf.engine().makeTensorFromTensorInfo(out, backend);
}
