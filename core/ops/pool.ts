/**
 * Pooling with PyTorch's semantics (floor or ceil mode) on NHWC tensors.
 */
import { tf } from '../tf';
import { pair, poolOutputSize, type Pair } from './shape';

export interface Pool2dOptions {
  kernel: Pair;
  /** Defaults to the kernel size, as in PyTorch. */
  stride?: Pair;
  /** Implicit padding on every side; PyTorch requires it to be at most half the kernel. */
  padding?: Pair;
  /** nn.MaxPool2d's ceil_mode: round the output size up, keeping a last partial window. */
  ceilMode?: boolean;
}

export interface AvgPool2dOptions extends Pool2dOptions {
  /** nn.AvgPool2d's count_include_pad (default true): padded zeros count in the divisor. */
  countIncludePad?: boolean;
}

type Paddings = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Padding per side that makes a 'valid' pool produce PyTorch's output: the
 * implicit padding, plus on the bottom/right whatever a ceil-mode last
 * window hangs past it.
 */
function poolPaddings(height: number, width: number, options: Pool2dOptions): { paddings: Paddings; outH: number; outW: number } {
  const [kh, kw] = pair(options.kernel);
  const [sh, sw] = pair(options.stride ?? options.kernel);
  const [ph, pw] = pair(options.padding ?? 0);
  const outH = poolOutputSize(height, kh, sh, ph, options.ceilMode);
  const outW = poolOutputSize(width, kw, sw, pw, options.ceilMode);
  const extraH = Math.max(0, (outH - 1) * sh + kh - (height + 2 * ph));
  const extraW = Math.max(0, (outW - 1) * sw + kw - (width + 2 * pw));
  return { paddings: [[0, 0], [ph, ph + extraH], [pw, pw + extraW], [0, 0]], outH, outW };
}

/** nn.MaxPool2d: padded positions never win, as if they held −∞. */
export function maxPool2dTorch(x: tf.Tensor4D, options: Pool2dOptions): tf.Tensor4D {
  const kernel = pair(options.kernel);
  const stride = pair(options.stride ?? options.kernel);
  const { paddings } = poolPaddings(x.shape[1], x.shape[2], options);
  const padded = paddings[1][0] + paddings[1][1] + paddings[2][0] + paddings[2][1] > 0;
  // tf's pool kernels skip out-of-range taps, which is max-pooling over −∞ padding.
  return tf.maxPool(x, kernel, stride, padded ? paddings : 'valid');
}

/**
 * Per output position, kernel area ÷ PyTorch's divisor, or null where the
 * divisor is the kernel area everywhere. Multiplying an average over the
 * zero-padded input by it gives nn.AvgPool2d: with count_include_pad the
 * divisor counts the implicit padding but not a ceil-mode overhang past it;
 * without, only the real pixels. Shape [outH × outW].
 */
export function avgPoolScale(height: number, width: number, options: AvgPool2dOptions): Float32Array | null {
  const [kh, kw] = pair(options.kernel);
  const [sh, sw] = pair(options.stride ?? options.kernel);
  const [ph, pw] = pair(options.padding ?? 0);
  const { outH, outW } = poolPaddings(height, width, options);
  const includePad = options.countIncludePad ?? true;
  // PyTorch's avg_pool2d: the window is clipped to the padded map, then (without count_include_pad) to the map.
  const extent = (start: number, k: number, size: number, p: number) => {
    const end = Math.min(start + k, size + p);
    return includePad ? end - start : Math.min(end, size) - Math.max(start, 0);
  };
  const scale = new Float32Array(outH * outW);
  let uniform = true;
  for (let i = 0; i < outH; i++) {
    const rows = extent(i * sh - ph, kh, height, ph);
    for (let j = 0; j < outW; j++) {
      const value = (kh * kw) / (rows * extent(j * sw - pw, kw, width, pw));
      scale[i * outW + j] = value;
      if (value !== 1) uniform = false;
    }
  }
  return uniform ? null : scale;
}

/**
 * nn.AvgPool2d. The input is zero-padded explicitly and pooled 'valid': tf's
 * own padded average divides by the in-range count in its forward pass but
 * by the full kernel area in its cpu gradient, so it cannot be trusted.
 * Pass `scale` (a [1, outH, outW, 1] tensor of avgPoolScale, or null when it
 * returns null) to avoid rebuilding it every call.
 */
export function avgPool2dTorch(x: tf.Tensor4D, options: AvgPool2dOptions, scale?: tf.Tensor | null): tf.Tensor4D {
  const kernel = pair(options.kernel);
  const stride = pair(options.stride ?? options.kernel);
  const { paddings, outH, outW } = poolPaddings(x.shape[1], x.shape[2], options);
  const padded = paddings[1][0] + paddings[1][1] + paddings[2][0] + paddings[2][1] > 0 ? tf.pad(x, paddings) : x;
  const y = tf.avgPool(padded, kernel, stride, 'valid');
  if (scale === undefined) {
    const values = avgPoolScale(x.shape[1], x.shape[2], options);
    scale = values && tf.tensor4d(values, [1, outH, outW, 1]);
  }
  return scale ? tf.mul(y, scale) : y;
}
