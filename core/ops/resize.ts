/**
 * Differentiable resizing with PyTorch's F.interpolate semantics.
 *
 * Bilinear resizing is separable linear interpolation: along each axis every
 * output row blends two input rows with fixed weights. Two exact ways run it:
 * - 'kernel': tf.image.resizeBilinear (halfPixelCenters for
 *   align_corners=False), whose forward sampling is PyTorch's. Its stock
 *   gradients are wrong (they ignore halfPixelCenters, and cpu's swaps H and
 *   W), so this is used only where the backend's ResizeBilinearGrad is our
 *   exact one (cpu and wasm, core/backend/kernels/resize-grad.ts). Fastest.
 * - 'gather': two gathers and a weighted sum per axis, a few passes over the
 *   output; its gradient (gather's is UnsortedSegmentSum, times the same
 *   weights) is the exact transpose on every backend.
 * - 'matmul', the dense interpolation matrices (y = A_h · x · A_wᵀ), remains
 *   for matrices made by hand; it costs O(in·out) per row instead of O(out).
 */
import { tf } from '../tf';
import { pair, type Pair } from './shape';
import { resizeBilinearGradKernel } from '../backend/kernels/resize-grad';

/**
 * 1-D linear interpolation from `inSize` to `outSize` samples, as PyTorch
 * computes source positions: with align_corners=False,
 * src = (dst + ½)·in/out − ½ clamped at 0; with True, src = dst·(in−1)/(out−1).
 * Output `dst` is (1 − frac[dst])·x[lo[dst]] + frac[dst]·x[hi[dst]].
 */
export interface InterpolationTaps {
  inSize: number;
  lo: Int32Array;
  hi: Int32Array;
  frac: Float32Array;
}

export function interpolationTaps(inSize: number, outSize: number, alignCorners: boolean): InterpolationTaps {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float32Array(outSize);
  const scale = alignCorners ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let dst = 0; dst < outSize; dst++) {
    const src = alignCorners ? dst * scale : Math.max((dst + 0.5) * scale - 0.5, 0);
    lo[dst] = Math.min(Math.floor(src), inSize - 1);
    hi[dst] = lo[dst] < inSize - 1 ? lo[dst] + 1 : lo[dst];
    frac[dst] = src - lo[dst];
  }
  return { inSize, lo, hi, frac };
}

/**
 * The same map as an [outSize × inSize] row-major matrix; each row has at
 * most two non-zeros summing to 1.
 */
export function interpolationMatrix(inSize: number, outSize: number, alignCorners: boolean): Float32Array {
  const { lo, hi, frac } = interpolationTaps(inSize, outSize, alignCorners);
  const m = new Float32Array(outSize * inSize);
  for (let dst = 0; dst < outSize; dst++) {
    m[dst * inSize + lo[dst]] += 1 - frac[dst];
    m[dst * inSize + hi[dst]] += frac[dst];
  }
  return m;
}

export interface InterpolationMatrices {
  /** [outH, H] */
  rows: tf.Tensor2D;
  /** [outW, W] */
  cols: tf.Tensor2D;
  /**
   * How the matrices were made; without it (hand-made matrices)
   * bilinearResizeWith multiplies by the dense matrices.
   */
  mapping?: { alignCorners: boolean; rows: InterpolationTaps; cols: InterpolationTaps };
}

export type BilinearMethod = 'kernel' | 'gather' | 'matmul';

/** 'kernel' where the active backend differentiates resizeBilinear exactly, else 'gather'. */
export function defaultBilinearMethod(): Exclude<BilinearMethod, 'matmul'> {
  const gradient = tf.getKernel('ResizeBilinearGrad', tf.getBackend());
  return gradient?.kernelFunc === resizeBilinearGradKernel ? 'kernel' : 'gather';
}

/** Both axes' maps; create them once per layer and reuse them every step. */
export function interpolationMatrices(
  inSize: readonly [number, number],
  outSize: readonly [number, number],
  alignCorners: boolean,
): InterpolationMatrices {
  return {
    rows: tf.tensor2d(interpolationMatrix(inSize[0], outSize[0], alignCorners), [outSize[0], inSize[0]]),
    cols: tf.tensor2d(interpolationMatrix(inSize[1], outSize[1], alignCorners), [outSize[1], inSize[1]]),
    mapping: {
      alignCorners,
      rows: interpolationTaps(inSize[0], outSize[0], alignCorners),
      cols: interpolationTaps(inSize[1], outSize[1], alignCorners),
    },
  };
}

function isIdentity(taps: InterpolationTaps): boolean {
  return taps.lo.length === taps.inSize && taps.lo.every((source, dst) => source === dst && taps.frac[dst] === 0);
}

/**
 * Interpolates axis 1 of x [outer, inSize, inner]. Rows are gathered from
 * x viewed as [outer·inSize, inner] so that the gather is along axis 0, where
 * its gradient needs no transposes.
 */
function interpolateAxis(x: tf.Tensor3D, taps: InterpolationTaps): tf.Tensor3D {
  const [outer, inSize, inner] = x.shape;
  const outSize = taps.lo.length;
  const loRows = new Int32Array(outer * outSize);
  const hiRows = new Int32Array(outer * outSize);
  for (let o = 0; o < outer; o++) {
    for (let dst = 0; dst < outSize; dst++) {
      loRows[o * outSize + dst] = o * inSize + taps.lo[dst];
      hiRows[o * outSize + dst] = o * inSize + taps.hi[dst];
    }
  }
  const rows = tf.reshape(x, [outer * inSize, inner]);
  const lo = tf.reshape(tf.gather(rows, tf.tensor1d(loRows, 'int32')), [outer, outSize, inner]);
  const hi = tf.reshape(tf.gather(rows, tf.tensor1d(hiRows, 'int32')), [outer, outSize, inner]);
  const hiWeight = tf.tensor2d(taps.frac, [outSize, 1]);
  const loWeight = tf.tensor2d(taps.frac.map((f) => 1 - f), [outSize, 1]);
  return tf.add(tf.mul(lo, loWeight), tf.mul(hi, hiWeight));
}

function resizeWithTaps(x: tf.Tensor4D, rows: InterpolationTaps, cols: InterpolationTaps): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  const outH = rows.lo.length;
  const outW = cols.lo.length;
  return tf.tidy(() => {
    let y: tf.Tensor = x;
    if (!isIdentity(cols)) y = interpolateAxis(tf.reshape(y, [n * h, w, c]), cols);
    if (!isIdentity(rows)) y = interpolateAxis(tf.reshape(y, [n, h, outW * c]), rows);
    return tf.reshape(y, [n, outH, outW, c]);
  });
}

/**
 * Applies precomputed maps to an N×H×W×C map. `method` is for tests and
 * benchmarks; every method gives the same values and gradients up to rounding.
 */
export function bilinearResizeWith(x: tf.Tensor4D, matrices: InterpolationMatrices, method?: BilinearMethod): tf.Tensor4D {
  const { mapping } = matrices;
  const chosen = mapping ? (method ?? defaultBilinearMethod()) : 'matmul';
  if (chosen === 'kernel' && mapping) {
    const size: [number, number] = [matrices.rows.shape[0], matrices.cols.shape[0]];
    return tf.image.resizeBilinear(x, size, mapping.alignCorners, !mapping.alignCorners);
  }
  if (chosen === 'gather' && mapping) return resizeWithTaps(x, mapping.rows, mapping.cols);
  const [n, h, w, c] = x.shape;
  const outH = matrices.rows.shape[0];
  const outW = matrices.cols.shape[0];
  // Broadcast matMul over the batch: rows [outH, H] · x[n] [H, W·C], then cols [outW, W] · y[n, i] [W, C].
  const alongH = tf.matMul(matrices.rows, tf.reshape(x, [n, h, w * c]));
  const alongW = tf.matMul(matrices.cols, tf.reshape(alongH, [n * outH, w, c]));
  return tf.reshape(alongW, [n, outH, outW, c]);
}

/** F.interpolate(mode='bilinear') to `size` [outH, outW]; `method` as for bilinearResizeWith, without 'matmul'. */
export function bilinearResize(
  x: tf.Tensor4D,
  size: readonly [number, number],
  alignCorners = false,
  method: Exclude<BilinearMethod, 'matmul'> = defaultBilinearMethod(),
): tf.Tensor4D {
  if (method === 'kernel') return tf.image.resizeBilinear(x, [size[0], size[1]], alignCorners, !alignCorners);
  return resizeWithTaps(x, interpolationTaps(x.shape[1], size[0], alignCorners), interpolationTaps(x.shape[2], size[1], alignCorners));
}

/**
 * F.interpolate(mode='nearest') by integer factors: every pixel repeated
 * s_h × s_w times. Forward stacks copies (a plain concat); the gradient, a
 * sum over each s_h × s_w block, is an average pool times the block area.
 * Measured on cpu for 2×32×24×32 → ×2 forward+backward: 44 ms, against
 * 92–122 ms for a broadcast multiply by ones. tf.image.resizeNearestNeighbor
 * is not an option: its cpu gradient is wrong when H ≠ W.
 */
export function nearestUpsample(x: tf.Tensor4D, scale: Pair): tf.Tensor4D {
  const [sh, sw] = pair(scale);
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const upsample = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    let y = args[0] as tf.Tensor;
    if (sw > 1) y = tf.reshape(tf.stack(new Array<tf.Tensor>(sw).fill(y), 3), [n, h, w * sw, c]);
    if (sh > 1) y = tf.reshape(tf.stack(new Array<tf.Tensor>(sh).fill(y), 2), [n, h * sh, w * sw, c]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor) => tf.mul(tf.avgPool(dy as tf.Tensor4D, [sh, sw], [sh, sw], 'valid'), sh * sw),
    };
  });
  return upsample(x) as tf.Tensor4D;
}
