/**
 * Normalisation layers with PyTorch's semantics on channels-last tensors.
 */
import { tf } from '../tf';

export interface Affine {
  /** Per-channel scale [C]; absent means 1. */
  gamma?: tf.Tensor | null;
  /** Per-channel shift [C]; absent means 0. */
  beta?: tf.Tensor | null;
}

/**
 * (x − mean)/√(var + eps)·γ + β, as one per-channel scale and shift so the
 * full-size tensor is touched by two elementwise ops. Gradients flow through
 * mean and variance too, which training-mode normalisation needs.
 */
export function normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number, affine: Affine = {}): tf.Tensor {
  let scale = tf.rsqrt(tf.add(variance, eps));
  if (affine.gamma) scale = tf.mul(scale, affine.gamma);
  let shift = tf.neg(tf.mul(mean, scale));
  if (affine.beta) shift = tf.add(shift, affine.beta);
  return tf.add(tf.mul(x, scale), shift);
}

export interface RunningStats {
  mean: tf.Variable;
  variance: tf.Variable;
}

export interface BatchNormOptions extends Affine {
  /** Batch statistics (true) or running statistics (false), as module.train()/eval(). */
  training: boolean;
  /** Whether this call folds the batch statistics into the running ones. */
  updateStats: boolean;
  /** PyTorch's momentum: running = (1 − momentum)·running + momentum·batch. Default 0.1. */
  momentum?: number;
  eps?: number;
  /** Absent: always batch statistics (track_running_stats=False). */
  running?: RunningStats | null;
}

/**
 * nn.BatchNorm1d/2d over every axis but the last. In training the batch is
 * normalised with its biased variance while the running variance is updated
 * with the unbiased one (×M/(M−1), M values per channel), as PyTorch does.
 */
export function batchNorm(x: tf.Tensor, options: BatchNormOptions): tf.Tensor {
  const eps = options.eps ?? 1e-5;
  const running = options.running;
  if (!options.training && running) return normalize(x, running.mean, running.variance, eps, options);
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  if (running && options.updateStats) {
    const momentum = options.momentum ?? 0.1;
    const count = x.size / x.shape[x.shape.length - 1];
    // PyTorch refuses a single value per channel; the biased variance (0) is the least surprising fallback.
    const unbiased = count > 1 ? tf.mul(variance, count / (count - 1)) : variance;
    tf.tidy(() => {
      running.mean.assign(tf.add(tf.mul(running.mean, 1 - momentum), tf.mul(mean, momentum)));
      running.variance.assign(tf.add(tf.mul(running.variance, 1 - momentum), tf.mul(unbiased, momentum)));
    });
  }
  return normalize(x, mean, variance, eps, options);
}

/**
 * nn.InstanceNorm2d without running statistics (PyTorch's default): each
 * sample and channel normalised over H and W with the biased variance.
 */
export function instanceNorm(x: tf.Tensor4D, eps = 1e-5, affine: Affine = {}): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return normalize(x, mean, variance, eps, affine) as tf.Tensor4D;
}
