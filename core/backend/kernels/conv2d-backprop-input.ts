/**
 * Conv2DBackpropInput (the input gradient of a convolution, which is also
 * conv2dTranspose's forward pass) as stride-1 forward convolutions, so it runs
 * on the backend's fast convolution (XNNPACK on wasm) instead of wasm's naive
 * loop, which is ~3x slower than a forward conv of the same FLOPs.
 *
 * For the forward conv y[oh] = sum_k x[oh*s + k - p] W[k] (per axis), the
 * input gradient is dx[i] = sum over k with (i + p - k) divisible by s of
 * dy[(i + p - k)/s] W[k]. Split the rows of dx by their phase o = i mod s:
 * a row i = o + s*t only meets the taps k = r, r+s, r+2s, ... with
 * r = (o + p) mod s, and reads dy[b + t - j] for tap r + s*j, where
 * b = floor((o + p)/s). So every phase is a stride-1 correlation of dy with
 * the flipped sub-kernel W[r::s] (channels swapped), and interleaving the
 * s_h x s_w phases gives dx. Stride 1 is the single phase o = 0. Unlike
 * zero-insertion this multiplies no zeros, so it costs exactly the FLOPs of
 * the forward conv.
 *
 * Every phase is computed over ceil(size/s) rows so the phases interleave
 * into a regular grid; the surplus rows past the input (finite values from
 * the padding region) are dropped by the interleave.
 */
import { tf } from '../../tf';
import { Intermediates, runBackendKernel, runStrideOneConv, assertFloat32, computeValues, readValues, type BackendName, type TensorInfo } from './kernel-utils';

type Conv2DBackpropInputAttrs = tf.Conv2DBackpropInputAttrs;

const KERNEL = 'Conv2DBackpropInput';

/** `strategy` forces one formulation (tests compare both); by default each call picks the cheaper. */
export function makeConv2DBackpropInputKernel(backendName: BackendName, strategy?: InputGradientStrategy): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const kernelBackend = backend as tf.KernelBackend;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs as unknown as Conv2DBackpropInputAttrs;
    assertFloat32(dy, KERNEL, 'dy');
    assertFloat32(filter, KERNEL, 'filter');
    if (dy.shape.length !== 4 || filter.shape.length !== 4 || inputShape.length !== 4) {
      throw new Error(
        `${KERNEL}: dy, filter and inputShape must be rank 4, got dy [${dy.shape.join(', ')}], ` +
          `filter [${filter.shape.join(', ')}] and inputShape [${inputShape.join(', ')}].`,
      );
    }

    const scope = new Intermediates(kernelBackend);
    try {
      if (dataFormat === 'NCHW') {
        const [batch, channels, height, width] = inputShape;
        const dyNhwc = scope.hold(runBackendKernel('Transpose', backendName, kernelBackend, { x: dy }, { perm: [0, 2, 3, 1] }));
        const dxNhwc = scope.hold(
          inputGradientNhwc(backendName, kernelBackend, scope, dyNhwc, filter, {
            strides,
            pad: Array.isArray(pad) ? [pad[0], pad[2], pad[3], pad[1]] : pad,
            dimRoundingMode,
            inputShape: [batch, height, width, channels],
          }, strategy),
        );
        return runBackendKernel('Transpose', backendName, kernelBackend, { x: dxNhwc }, { perm: [0, 3, 1, 2] });
      }
      return scope.release(inputGradientNhwc(backendName, kernelBackend, scope, dy, filter, { strides, pad, dimRoundingMode, inputShape }, strategy));
    } finally {
      scope.disposeAll();
    }
  };
}

interface InputGradientGeometry {
  strides: Conv2DBackpropInputAttrs['strides'];
  pad: Conv2DBackpropInputAttrs['pad'];
  dimRoundingMode: Conv2DBackpropInputAttrs['dimRoundingMode'];
  inputShape: Conv2DBackpropInputAttrs['inputShape'];
}

/** One axis of one phase: which dy rows the stride-1 correlation reads and how it pads them. */
interface PhaseAxis {
  /** Taps of the sub-kernel W[first::stride] (0 when the phase meets no tap). */
  taps: number;
  /** The sub-kernel is W[firstTap::stride]. */
  firstTap: number;
  /** dy rows [cropStart, cropEnd) are read; the rest lie wholly outside every window. */
  cropStart: number;
  cropEnd: number;
  padBefore: number;
  padAfter: number;
}

/**
 * Plans one axis. `phases` is the number of output rows per phase (equal for
 * all phases so they interleave); rows of phase o are o, o+s, o+2s, ...
 */
function planAxis(kernelSize: number, stride: number, padBefore: number, dySize: number, phases: number): PhaseAxis[] {
  const plans: PhaseAxis[] = [];
  for (let offset = 0; offset < stride; offset++) {
    const firstTap = (offset + padBefore) % stride;
    const base = Math.floor((offset + padBefore) / stride);
    const taps = firstTap < kernelSize ? Math.ceil((kernelSize - firstTap) / stride) : 0;
    // Output row t reads dy[base + t - (taps - 1) ... base + t].
    const readStart = base - (taps - 1);
    const readEnd = base + phases; // exclusive
    const cropStart = Math.max(0, readStart);
    const cropEnd = Math.min(dySize, readEnd);
    plans.push({
      taps: cropEnd > cropStart ? taps : 0,
      firstTap,
      cropStart,
      cropEnd,
      padBefore: cropStart - readStart,
      padAfter: readEnd - cropEnd,
    });
  }
  return plans;
}

export type InputGradientStrategy = 'phases' | 'matmul';

/**
 * Phases pay once per call for rearranging and packing the filter (XNNPACK
 * repacks every new filter), matmul pays for rearranging dy and a scatter of
 * taps x dy pixels in JS. So phases win when the data is larger than the
 * filter (early, high-resolution layers) and matmul when the filter is
 * larger (the deep, low-resolution layers of a U-Net with 512+ channels).
 */
export function chooseInputGradientStrategy(dyShape: readonly number[], filterShape: readonly number[]): InputGradientStrategy {
  const [batch, dyHeight, dyWidth] = dyShape;
  const [filterHeight, filterWidth, inChannels] = filterShape;
  return batch * dyHeight * dyWidth >= filterHeight * filterWidth * inChannels ? 'phases' : 'matmul';
}

function inputGradientNhwc(
  backendName: BackendName,
  backend: tf.KernelBackend,
  scope: Intermediates,
  dy: TensorInfo,
  filter: TensorInfo,
  { strides, pad, dimRoundingMode, inputShape }: InputGradientGeometry,
  strategy?: InputGradientStrategy,
): TensorInfo {
  const dxShape = inputShape as [number, number, number, number];
  const filterShape = filter.shape as [number, number, number, number];
  const conv = tf.backend_util.computeConv2DInfo(dxShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [batch, inHeight, inWidth, inChannels] = dxShape;
  const { filterHeight, filterWidth, outChannels, outHeight, outWidth, strideHeight, strideWidth } = conv;
  const expectedDy = [batch, outHeight, outWidth, outChannels];
  if (dy.shape.some((size, axis) => size !== expectedDy[axis]) || filterShape[2] !== inChannels) {
    throw new Error(
      `${KERNEL}: dy has shape [${dy.shape.join(', ')}] and filter [${filterShape.join(', ')}], but a ${filterHeight}x${filterWidth} ` +
        `stride ${strideHeight}x${strideWidth} convolution of x [${dxShape.join(', ')}] with padding ${JSON.stringify(pad)} ` +
        `produces dy [${expectedDy.join(', ')}] from a filter with ${inChannels} input channels.`,
    );
  }
  if (batch === 0 || inHeight === 0 || inWidth === 0 || inChannels === 0 || outHeight === 0 || outWidth === 0 || outChannels === 0) {
    return runBackendKernel('Fill', backendName, backend, {}, { shape: [...dxShape], value: 0, dtype: 'float32' });
  }
  if ((strategy ?? chooseInputGradientStrategy(dy.shape, filterShape)) === 'matmul') {
    return inputGradientByMatMul(backendName, backend, scope, dy, filter, conv);
  }
  return inputGradientByPhases(backendName, backend, scope, dy, filter, conv);
}

/**
 * cols = W [kh*kw*ci, co] · dyᵀ [co, n*Ho*Wo] holds every tap's contribution
 * of every dy pixel; dx is their scatter-add (col2im). The filter is used in
 * its stored layout, so nothing of filter size is copied or repacked.
 */
function inputGradientByMatMul(
  backendName: BackendName,
  backend: tf.KernelBackend,
  scope: Intermediates,
  dy: TensorInfo,
  filter: TensorInfo,
  conv: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = conv;
  const pixels = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  const filterRows = scope.hold(runBackendKernel('Reshape', backendName, backend, { x: filter }, { shape: [1, taps, outChannels] }));
  const dyRows = scope.hold(runBackendKernel('Reshape', backendName, backend, { x: dy }, { shape: [1, pixels, outChannels] }));
  const dyColumns = scope.hold(runBackendKernel('Transpose', backendName, backend, { x: dyRows }, { perm: [0, 2, 1] }));
  const cols = scope.hold(
    runBackendKernel('BatchMatMul', backendName, backend, { a: filterRows, b: dyColumns }, { transposeA: false, transposeB: false }),
  );

  const padTop = conv.padInfo.top;
  const padLeft = conv.padInfo.left;
  return computeValues(backend, [batchSize, inHeight, inWidth, inChannels], 'float32', (dx) => {
    const values = readValues(backend, cols) as Float32Array;
    for (let i = 0; i < filterHeight; i++) {
      for (let j = 0; j < filterWidth; j++) {
        const tapRow = (i * filterWidth + j) * inChannels * pixels;
        for (let n = 0; n < batchSize; n++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const ih = oh * strideHeight + i - padTop;
            if (ih < 0 || ih >= inHeight) continue;
            for (let ow = 0; ow < outWidth; ow++) {
              const iw = ow * strideWidth + j - padLeft;
              if (iw < 0 || iw >= inWidth) continue;
              const to = ((n * inHeight + ih) * inWidth + iw) * inChannels;
              let from = tapRow + (n * outHeight + oh) * outWidth + ow;
              for (let c = 0; c < inChannels; c++, from += pixels) dx[to + c] += values[from];
            }
          }
        }
      }
    }
  });
}

function inputGradientByPhases(
  backendName: BackendName,
  backend: tf.KernelBackend,
  scope: Intermediates,
  dy: TensorInfo,
  filter: TensorInfo,
  conv: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth } = conv;
  const rowsPerPhase = Math.ceil(inHeight / strideHeight);
  const colsPerPhase = Math.ceil(inWidth / strideWidth);
  const rowPlans = planAxis(filterHeight, strideHeight, conv.padInfo.top, outHeight, rowsPerPhase);
  const colPlans = planAxis(filterWidth, strideWidth, conv.padInfo.left, outWidth, colsPerPhase);

  // [kh, kw, ci, co] -> [kh, kw, co, ci]: the correlation of dy reads co and writes ci.
  const swapped = scope.hold(runBackendKernel('Transpose', backendName, backend, { x: filter }, { perm: [0, 1, 3, 2] }));
  const phases: TensorInfo[][] = [];
  for (const rows of rowPlans) {
    const phaseRow: TensorInfo[] = [];
    for (const cols of colPlans) {
      if (rows.taps === 0 || cols.taps === 0) {
        const shape = [batchSize, rowsPerPhase, colsPerPhase, inChannels];
        phaseRow.push(scope.hold(runBackendKernel('Fill', backendName, backend, {}, { shape, value: 0, dtype: 'float32' })));
        continue;
      }
      const subFilter = scope.hold(flippedSubFilter(backend, swapped, rows, cols, [strideHeight, strideWidth]));
      phaseRow.push(scope.hold(phaseConvolution(backendName, backend, scope, dy, subFilter, rows, cols)));
    }
    phases.push(phaseRow);
  }
  if (strideHeight === 1 && strideWidth === 1) return scope.release(phases[0][0]);
  return interleave(backend, phases, [batchSize, inHeight, inWidth, inChannels]);
}

/** The taps W[first::s] of a [kh, kw, co, ci] filter, flipped along both spatial axes, as block copies. */
function flippedSubFilter(
  backend: tf.KernelBackend,
  swapped: TensorInfo,
  rows: PhaseAxis,
  cols: PhaseAxis,
  [strideHeight, strideWidth]: [number, number],
): TensorInfo {
  const [, filterWidth, outChannels, inChannels] = swapped.shape;
  const block = outChannels * inChannels;
  return computeValues(backend, [rows.taps, cols.taps, outChannels, inChannels], 'float32', (out) => {
    const source = readValues(backend, swapped) as Float32Array;
    for (let a = 0; a < rows.taps; a++) {
      // Tap a of the flipped sub-kernel is tap firstTap + s*(taps-1-a) of the original.
      const i = rows.firstTap + strideHeight * (rows.taps - 1 - a);
      for (let b = 0; b < cols.taps; b++) {
        const j = cols.firstTap + strideWidth * (cols.taps - 1 - b);
        const from = (i * filterWidth + j) * block;
        out.set(source.subarray(from, from + block), (a * cols.taps + b) * block);
      }
    }
  }, { writesEveryValue: true });
}

function phaseConvolution(
  backendName: BackendName,
  backend: tf.KernelBackend,
  scope: Intermediates,
  dy: TensorInfo,
  subFilter: TensorInfo,
  rows: PhaseAxis,
  cols: PhaseAxis,
): TensorInfo {
  const [batch, dyHeight, dyWidth, outChannels] = dy.shape;
  let dyUsed = dy;
  if (rows.cropStart > 0 || rows.cropEnd < dyHeight || cols.cropStart > 0 || cols.cropEnd < dyWidth) {
    dyUsed = scope.hold(
      runBackendKernel(
        'Slice',
        backendName,
        backend,
        { x: dy },
        { begin: [0, rows.cropStart, cols.cropStart, 0], size: [batch, rows.cropEnd - rows.cropStart, cols.cropEnd - cols.cropStart, outChannels] },
      ),
    );
  }
  return runStrideOneConv(backendName, backend, dyUsed, subFilter, {
    top: rows.padBefore,
    bottom: rows.padAfter,
    left: cols.padBefore,
    right: cols.padAfter,
  });
}

/**
 * dx[n, o_h + s_h*t, o_w + s_w*u, :] = phases[o_h][o_w][n, t, u, :], keeping
 * only rows and columns inside dx. Plain copies of channel runs; cheaper than
 * a channel concat plus depth-to-space and handles s_h != s_w and ragged edges.
 */
function interleave(backend: tf.KernelBackend, phases: TensorInfo[][], dxShape: [number, number, number, number]): TensorInfo {
  const [batch, height, width, channels] = dxShape;
  const strideHeight = phases.length;
  const strideWidth = phases[0].length;
  const [, rowsPerPhase, colsPerPhase] = phases[0][0].shape;
  return computeValues(backend, dxShape, 'float32', (out) => {
    for (let oh = 0; oh < strideHeight; oh++) {
      for (let ow = 0; ow < strideWidth; ow++) {
        const phase = readValues(backend, phases[oh][ow]) as Float32Array;
        const rows = Math.ceil((height - oh) / strideHeight);
        const cols = Math.ceil((width - ow) / strideWidth);
        const step = strideWidth * channels;
        for (let n = 0; n < batch; n++) {
          for (let t = 0; t < rows; t++) {
            let from = (n * rowsPerPhase + t) * colsPerPhase * channels;
            let to = ((n * height + oh + strideHeight * t) * width + ow) * channels;
            for (let u = 0; u < cols; u++, from += channels, to += step) {
              for (let c = 0; c < channels; c++) out[to + c] = phase[from + c];
            }
          }
        }
      }
    }
    // Phase (oh, ow) covers rows oh, oh + s, ... and columns likewise, so together they cover dx.
  }, { writesEveryValue: true });
}
