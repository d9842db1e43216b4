/**
 * Convolutions with PyTorch's semantics on NHWC tensors. Kernels keep tf's
 * layouts: HWIO for conv2d, [kh, kw, out, in] for the transposed conv (the
 * same tensor PyTorch stores as [in, out, kh, kw], without flipping).
 */
import { tf } from '../tf';
import { dilatedKernelSize, pair, type Pair } from './shape';

export type PaddingMode = 'zeros' | 'reflect';

export interface Conv2dOptions {
  stride?: Pair;
  /** Pixels added on every side, as nn.Conv2d's `padding`. */
  padding?: Pair;
  dilation?: Pair;
  /** nn.Conv2d's `padding_mode`: zeros, or mirror without repeating the edge. */
  paddingMode?: PaddingMode;
  /**
   * nn.Conv2d's `groups`: input and output channels split into this many
   * groups, each convolved on its own; the kernel is [kh, kw, inC/groups, outC]
   * with output channels ordered group by group, as PyTorch's weight.
   */
  groups?: number;
}

export interface ConvTranspose2dOptions {
  stride?: Pair;
  /** Pixels cropped from every side of the full transposed output, as nn.ConvTranspose2d's `padding`. */
  padding?: Pair;
  /** Extra rows/columns at the bottom/right that resolve the size ambiguity of strided convs. */
  outputPadding?: Pair;
  dilation?: Pair;
}

/**
 * Spreads a kernel's taps `dilation` pixels apart with zeros. tfjs's Conv2D
 * gradient rejects dilations above 1 and conv2dTranspose has none, so
 * dilated convolutions run as ordinary ones over the spread kernel: the same
 * result and gradients, at the cost of multiplying the zeros too.
 */
export function dilateKernel(kernel: tf.Tensor, dilation: Pair): tf.Tensor4D {
  const [dh, dw] = pair(dilation);
  if (dh === 1 && dw === 1) return kernel as tf.Tensor4D;
  const [kh, kw, a, b] = kernel.shape;
  const spanH = dilatedKernelSize(kh, dh);
  const spanW = dilatedKernelSize(kw, dw);
  // Each axis in turn: append d−1 zero taps after every tap, then drop the trailing ones.
  let k: tf.Tensor = tf.pad(tf.reshape(kernel, [kh, 1, kw * a * b]), [[0, 0], [0, dh - 1], [0, 0]]);
  k = tf.slice(tf.reshape(k, [kh * dh, kw, a, b]), [0, 0, 0, 0], [spanH, kw, a, b]);
  k = tf.pad(tf.reshape(k, [spanH, kw, 1, a * b]), [[0, 0], [0, 0], [0, dw - 1], [0, 0]]);
  return tf.slice(tf.reshape(k, [spanH, kw * dw, a, b]), [0, 0, 0, 0], [spanH, spanW, a, b]) as tf.Tensor4D;
}

/**
 * nn.Conv2d: `kernel` is [kh, kw, inC, outC]. Padding is explicit and
 * symmetric, never tf's 'same', which pads asymmetrically for even kernels
 * and strided convs and so disagrees with PyTorch for k3 s2 p1 or k4 s1 p1.
 */
export function conv2dTorch(
  x: tf.Tensor4D,
  kernel: tf.Tensor,
  bias?: tf.Tensor | null,
  options: Conv2dOptions = {},
): tf.Tensor4D {
  const [ph, pw] = pair(options.padding ?? 0);
  let input = x;
  let pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] = 'valid';
  if (ph > 0 || pw > 0) {
    const paddings: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [ph, ph], [pw, pw], [0, 0]];
    if (options.paddingMode === 'reflect') input = tf.mirrorPad(x, paddings, 'reflect');
    else pad = paddings;
  }
  const stride = pair(options.stride ?? 1);
  const k = dilateKernel(kernel, options.dilation ?? 1);
  const groups = options.groups ?? 1;
  const inC = x.shape[3];
  const [kh, kw, groupIn, outC] = k.shape;
  if (groupIn * groups !== inC || outC % groups !== 0) {
    throw new Error(`conv2dTorch: a [${k.shape.join(', ')}] kernel with ${groups} groups does not fit ${inC} input channels; it must be [kh, kw, inC/groups, outC] with outC divisible by groups.`);
  }
  let y: tf.Tensor4D;
  if (groups === 1) {
    y = tf.conv2d(input, k, stride, pad);
  } else if (groupIn === 1) {
    // Depthwise (groups = inC): PyTorch's output channel c·m + j is tf's depthwise channel c, multiplier j.
    y = tf.depthwiseConv2d(input, tf.reshape(k, [kh, kw, inC, outC / inC]) as tf.Tensor4D, stride, pad);
  } else {
    const inputs = tf.split(input, groups, 3);
    const kernels = tf.split(k, groups, 3);
    y = tf.concat(inputs.map((part, g) => tf.conv2d(part as tf.Tensor4D, kernels[g] as tf.Tensor4D, stride, pad)), 3);
  }
  return bias ? tf.add(y, bias) : y;
}

/**
 * nn.ConvTranspose2d: `kernel` is [kh, kw, outC, inC]. Computes the full
 * ('valid') transposed convolution of size (H−1)s + d(k−1) + 1, extends it by
 * outputPadding at the bottom/right, then crops `padding` from every side,
 * which is exactly PyTorch's definition for every stride/padding combination.
 */
export function convTranspose2dTorch(
  x: tf.Tensor4D,
  kernel: tf.Tensor,
  bias?: tf.Tensor | null,
  options: ConvTranspose2dOptions = {},
): tf.Tensor4D {
  const [sh, sw] = pair(options.stride ?? 1);
  const [ph, pw] = pair(options.padding ?? 0);
  const [oph, opw] = pair(options.outputPadding ?? 0);
  if ((options.dilation ?? 1) === 1 && oph < sh && opw < sw) {
    // A transposed conv is the input-gradient of the forward conv with the same
    // explicit padding; asking tf for it directly at the final size skips
    // computing the full output and cropping it (15% of a U-Net step otherwise).
    const [kh, kw, outC] = kernel.shape;
    const [n, h, w] = x.shape;
    const outH = (h - 1) * sh - 2 * ph + kh + oph;
    const outW = (w - 1) * sw - 2 * pw + kw + opw;
    const padding = [[0, 0], [ph, ph], [pw, pw], [0, 0]] as unknown as 'valid';
    const y = tf.conv2dTranspose(x, kernel as tf.Tensor4D, [n, outH, outW, outC], [sh, sw], padding);
    return bias ? tf.add(y, bias) : y;
  }
  const k = dilateKernel(kernel, options.dilation ?? 1);
  const [kh, kw, outC] = k.shape;
  const [n, h, w] = x.shape;
  // tf accepts up to s−1 extra rows in the output shape (they receive no taps);
  // a larger output padding (PyTorch allows it when dilation exceeds stride) is appended as zeros.
  const extraH = oph < sh ? oph : 0;
  const extraW = opw < sw ? opw : 0;
  const fullH = (h - 1) * sh + kh + extraH;
  const fullW = (w - 1) * sw + kw + extraW;
  let y: tf.Tensor4D = tf.conv2dTranspose(x, k, [n, fullH, fullW, outC], [sh, sw], 'valid');
  if (extraH !== oph || extraW !== opw) y = tf.pad(y, [[0, 0], [0, oph - extraH], [0, opw - extraW], [0, 0]]);
  if (ph > 0 || pw > 0) {
    y = tf.slice(y, [0, ph, pw, 0], [n, fullH + oph - extraH - 2 * ph, fullW + opw - extraW - 2 * pw, outC]);
  }
  return bias ? tf.add(y, bias) : y;
}
