/**
 * Pooling with PyTorch's semantics (floor mode) on NHWC tensors.
 */
import { tf } from '../tf';
import { convOutputSize, pair, type Pair } from './shape';

export interface Pool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Pair;
  /** Implicit padding on every side; PyTorch requires it to be at most half the kernel. */
  padding?: Pair;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** nn.AvgPool2d's count_include_pad (default true): padded zeros count in the divisor. */
  countIncludePad?: boolean;
}

/** nn.MaxPool2d: padded positions never win, as if they held −∞. */
export function maxPool2dTorch(x: tf.Tensor4D, options: Pool2dOptions): tf.Tensor4D {
  const kernel = pair(options.kernel);
  const stride = pair(options.stride ?? options.kernel);
  const [ph, pw] = pair(options.padding ?? 0);
  // tf's pool kernels skip out-of-range taps, which is max-pooling over −∞ padding.
  const pad = ph === pw ? ph : ([[0, 0], [ph, ph], [pw, pw], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]);
  return tf.maxPool(x, kernel, stride, pad === 0 ? 'valid' : pad);
}

/**
 * Per output position, kernel area ÷ number of real (unpadded) input pixels
 * in its window: multiplying a count-include-pad average by it gives
 * PyTorch's count_include_pad=False average. Shape [outH × outW].
 */
export function avgPoolExcludePadScale(height: number, width: number, options: Pool2dOptions): Float32Array {
  const [kh, kw] = pair(options.kernel);
  const [sh, sw] = pair(options.stride ?? options.kernel);
  const [ph, pw] = pair(options.padding ?? 0);
  const outH = convOutputSize(height, kh, sh, ph);
  const outW = convOutputSize(width, kw, sw, pw);
  const inside = (start: number, k: number, size: number) => Math.min(start + k, size) - Math.max(start, 0);
  const scale = new Float32Array(outH * outW);
  for (let i = 0; i < outH; i++) {
    const rows = inside(i * sh - ph, kh, height);
    for (let j = 0; j < outW; j++) scale[i * outW + j] = (kh * kw) / (rows * inside(j * sw - pw, kw, width));
  }
  return scale;
}

/**
 * nn.AvgPool2d. The input is zero-padded explicitly and pooled 'valid': tf's
 * own padded average divides by the in-range count in its forward pass but
 * by the full kernel area in its cpu gradient, so it cannot be trusted.
 * For countIncludePad=false, pass `excludePadScale` (a [1, outH, outW, 1]
 * tensor from avgPoolExcludePadScale) to avoid rebuilding it every call.
 */
export function avgPool2dTorch(x: tf.Tensor4D, options: AvgPool2dOptions, excludePadScale?: tf.Tensor): tf.Tensor4D {
  const kernel = pair(options.kernel);
  const stride = pair(options.stride ?? options.kernel);
  const [ph, pw] = pair(options.padding ?? 0);
  const padded = ph > 0 || pw > 0 ? tf.pad(x, [[0, 0], [ph, ph], [pw, pw], [0, 0]]) : x;
  const y = tf.avgPool(padded, kernel, stride, 'valid');
  if (options.countIncludePad ?? true) return y;
  if (ph === 0 && pw === 0) return y;
  const scale =
    excludePadScale ?? tf.tensor4d(avgPoolExcludePadScale(x.shape[1], x.shape[2], options), [1, y.shape[1], y.shape[2], 1]);
  return tf.mul(y, scale);
}
