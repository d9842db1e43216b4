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
 * (x − mean)/√(var + eps)·γ + β, normalising the centred input. Folding it
 * into one scale and shift, x·s + (β − mean·s), saves an op but cancels
 * catastrophically in float32 when |mean| ≫ std (γ's gradient was off by
 * 1e-4 relative at |mean|/std = 1000).
 */
export function normalize(x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, eps: number, affine: Affine = {}): tf.Tensor {
  return scaleCentred(tf.sub(x, mean), variance, eps, affine);
}

/** centred/√(var + eps)·γ + β. */
function scaleCentred(centred: tf.Tensor, variance: tf.Tensor, eps: number, affine: Affine): tf.Tensor {
  let scale = tf.rsqrt(tf.add(variance, eps));
  if (affine.gamma) scale = tf.mul(scale, affine.gamma);
  const y = tf.mul(centred, scale);
  return affine.beta ? tf.add(y, affine.beta) : y;
}

/**
 * Batch statistics over `axes` that stay accurate when |mean| ≫ std. The
 * values are first shifted by one sample per channel (exact in float32 for
 * values that close), so the mean is a sum of small numbers, and the centred
 * input is formed from the shifted values: the mean itself, rounded at the
 * input's magnitude, never touches it. The shift cancels exactly in the
 * gradient. Returns the centred input, the mean and the biased variance.
 */
export function centredMoments(x: tf.Tensor, axes: number[], keepDims = false): { centred: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const size = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const shift = tf.slice(x, x.shape.map(() => 0), size);
  const shifted = tf.sub(x, shift);
  const moments = tf.moments(shifted, axes, true);
  const centred = tf.sub(shifted, moments.mean);
  const mean = tf.add(moments.mean, shift);
  const squeeze = (t: tf.Tensor) => (keepDims ? t : tf.reshape(t, x.shape.filter((_, i) => !axes.includes(i))));
  return { centred, mean: squeeze(mean), variance: squeeze(moments.variance) };
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
  const { centred, mean, variance } = centredMoments(x, axes);
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
  return scaleCentred(centred, variance, eps, options);
}

/**
 * nn.InstanceNorm2d without running statistics (PyTorch's default): each
 * sample and channel normalised over H and W with the biased variance.
 */
export function instanceNorm(x: tf.Tensor4D, eps = 1e-5, affine: Affine = {}): tf.Tensor4D {
  const { centred, variance } = centredMoments(x, [1, 2], true);
  return scaleCentred(centred, variance, eps, affine) as tf.Tensor4D;
}
