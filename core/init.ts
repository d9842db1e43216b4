/**
 * Weight initialisers, drawn from our seeded generator so results are
 * reproducible across backends and resumable. Defaults follow PyTorch, since
 * the architectures we reproduce were tuned with PyTorch's initialisation.
 */
import type { Initializer } from './node-api';

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export const zeros: Initializer = (shape) => new Float32Array(size(shape));

export const ones: Initializer = (shape) => new Float32Array(size(shape)).fill(1);

export const constant =
  (value: number): Initializer =>
  (shape) =>
    new Float32Array(size(shape)).fill(value);

export const uniform =
  (lo: number, hi: number): Initializer =>
  (shape, rng) =>
    rng.fillUniform(new Float32Array(size(shape)), lo, hi);

export const normal =
  (mean: number, std: number): Initializer =>
  (shape, rng) =>
    rng.fillNormal(new Float32Array(size(shape)), mean, std);

/**
 * PyTorch's default for Conv and Linear weights and biases: kaiming_uniform
 * with a = √5, which reduces to U(−1/√fanIn, 1/√fanIn).
 */
export const pytorchDefault = (fanIn: number): Initializer => {
  const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform(-bound, bound);
};
