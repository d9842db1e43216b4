/**
 * Conv2DBackpropFilter as one stride-1 convolution, so it runs at the speed of
 * the backend's forward convolution (XNNPACK on wasm).
 *
 * For NHWC input x (padded: xp), output gradient dy and stride s,
 *   dW[i, j, ci, co] = sum over n, oh, ow of xp[n, oh*s + i, ow*s + j, ci] * dy[n, oh, ow, co].
 * Reading ci as the batch, n as the input channel and dy as a filter of size
 * Ho x Wo dilated by s, that is exactly
 *   conv2d(transpose(xp, [3,1,2,0]), transpose(dy, [1,2,0,3]), stride 1, 'valid', dilation s)
 * whose output is [Ci, kh, kw, Co]; transposing it by [1,2,0,3] gives [kh, kw, Ci, Co].
 * The padding is passed to that convolution as explicit padding rather than
 * materialised, and rows/columns of x that the forward pass never read (when
 * (H + pads - k) % s != 0) are sliced off so the result is exactly kh x kw.
 *
 * That formulation moves data of x's, dy's and the filter's sizes through
 * transposes. Deep low-resolution layers have filters far larger than their
 * activations (4x4x512x1024 weights against a 4x4x4x512 input), so there the
 * gradient is one matrix product straight into HWIO layout instead:
 *   dW [kh*kw*ci, co] = patchesᵀ [kh*kw*ci, n*Ho*Wo] · dy [n*Ho*Wo, co],
 * with the transposed patches gathered from x (im2col).
 */
import { tf } from '../../tf';
import { Intermediates, runBackendKernel, runStrideOneConv, assertFloat32, computeValues, readValues, type BackendName, type TensorInfo } from './kernel-utils';

type Conv2DBackpropFilterAttrs = tf.Conv2DBackpropFilterAttrs;

const KERNEL = 'Conv2DBackpropFilter';

export type FilterGradientStrategy = 'dilated-convolution' | 'matmul';

/**
 * Costs in ns per value, measured on wasm: the convolution path transposes x,
 * dy and the result (~6 each) and packs dy as a filter (~5); the matmul path
 * packs dy (~3) and writes each transposed patch value with a stride of one
 * row of pixels (~3 while rows stay in cache, ~10 for long rows).
 * On cpu, whose matMul is no faster than its conv, the convolution stays.
 */
export function chooseFilterGradientStrategy(
  backendName: BackendName,
  conv: Pick<tf.backend_util.Conv2DInfo, 'batchSize' | 'inHeight' | 'inWidth' | 'inChannels' | 'outHeight' | 'outWidth' | 'outChannels' | 'filterHeight' | 'filterWidth'>,
): FilterGradientStrategy {
  if (backendName !== 'wasm') return 'dilated-convolution';
  const xSize = conv.batchSize * conv.inHeight * conv.inWidth * conv.inChannels;
  const pixels = conv.batchSize * conv.outHeight * conv.outWidth;
  const dySize = pixels * conv.outChannels;
  const taps = conv.filterHeight * conv.filterWidth * conv.inChannels;
  const convolution = 6 * (xSize + dySize + taps * conv.outChannels) + 5 * dySize;
  const matmul = 3 * dySize + (pixels <= 256 ? 3 : 10) * taps * pixels;
  return matmul < convolution ? 'matmul' : 'dilated-convolution';
}

/** `strategy` forces one formulation (tests compare both); by default each call picks the cheaper. */
export function makeConv2DBackpropFilterKernel(backendName: BackendName, strategy?: FilterGradientStrategy): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const kernelBackend = backend as tf.KernelBackend;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as Conv2DBackpropFilterAttrs;
    assertFloat32(x, KERNEL, 'x');
    assertFloat32(dy, KERNEL, 'dy');
    if (x.shape.length !== 4 || dy.shape.length !== 4) {
      throw new Error(`${KERNEL}: x and dy must be rank 4, got x [${x.shape.join(', ')}] and dy [${dy.shape.join(', ')}].`);
    }

    const scope = new Intermediates(kernelBackend);
    try {
      let xNhwc = x;
      let dyNhwc = dy;
      if (dataFormat === 'NCHW') {
        // The filter layout is HWIO either way; only the activations need moving.
        xNhwc = scope.hold(runBackendKernel('Transpose', backendName, kernelBackend, { x }, { perm: [0, 2, 3, 1] }));
        dyNhwc = scope.hold(runBackendKernel('Transpose', backendName, kernelBackend, { x: dy }, { perm: [0, 2, 3, 1] }));
      }
      const result = filterGradientNhwc(backendName, kernelBackend, scope, xNhwc, dyNhwc, {
        strides,
        pad: dataFormat === 'NCHW' && Array.isArray(pad) ? nchwPaddingToNhwc(pad) : pad,
        dimRoundingMode,
        filterShape,
        strategy,
      });
      return scope.release(result);
    } finally {
      scope.disposeAll();
    }
  };
}

function nchwPaddingToNhwc(pad: tf.backend_util.ExplicitPadding): tf.backend_util.ExplicitPadding {
  return [pad[0], pad[2], pad[3], pad[1]];
}

interface FilterGradientGeometry {
  strides: Conv2DBackpropFilterAttrs['strides'];
  pad: Conv2DBackpropFilterAttrs['pad'];
  dimRoundingMode: Conv2DBackpropFilterAttrs['dimRoundingMode'];
  filterShape: Conv2DBackpropFilterAttrs['filterShape'];
  strategy?: FilterGradientStrategy;
}

function filterGradientNhwc(
  backendName: BackendName,
  backend: tf.KernelBackend,
  scope: Intermediates,
  x: TensorInfo,
  dy: TensorInfo,
  { strides, pad, dimRoundingMode, filterShape, strategy }: FilterGradientGeometry,
): TensorInfo {
  const xShape = x.shape as [number, number, number, number];
  const conv = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [batch, inHeight, inWidth, inChannels] = xShape;
  const { filterHeight, filterWidth, outChannels, outHeight, outWidth, strideHeight, strideWidth } = conv;
  const expectedDy = [batch, outHeight, outWidth, outChannels];
  if (dy.shape.some((size, axis) => size !== expectedDy[axis])) {
    throw new Error(
      `${KERNEL}: dy has shape [${dy.shape.join(', ')}] but a ${filterHeight}x${filterWidth} stride ` +
        `${strideHeight}x${strideWidth} convolution of x [${xShape.join(', ')}] with padding ${JSON.stringify(pad)} ` +
        `produces [${expectedDy.join(', ')}].`,
    );
  }

  // Padded extent the forward pass actually read: the last window starts at (out-1)*s.
  const readHeight = (outHeight - 1) * strideHeight + filterHeight;
  const readWidth = (outWidth - 1) * strideWidth + filterWidth;
  const padTop = conv.padInfo.top;
  const padLeft = conv.padInfo.left;
  const keptHeight = Math.min(inHeight, readHeight - padTop);
  const keptWidth = Math.min(inWidth, readWidth - padLeft);
  if (keptHeight <= 0 || keptWidth <= 0 || batch === 0 || outHeight <= 0 || outWidth <= 0) {
    // Every window lay entirely in the padding, so no weight ever touched data.
    return runBackendKernel('Fill', backendName, backend, {}, { shape: [...filterShape], value: 0, dtype: 'float32' });
  }
  if ((strategy ?? chooseFilterGradientStrategy(backendName, conv)) === 'matmul') {
    return filterGradientByMatMul(backendName, backend, scope, x, dy, conv);
  }
  // Zero rows past the input (explicit bottom/right padding, or 'ceil' rounding) are read as padding.
  const padBottom = readHeight - padTop - keptHeight;
  const padRight = readWidth - padLeft - keptWidth;

  let xUsed = x;
  if (keptHeight < inHeight || keptWidth < inWidth) {
    xUsed = scope.hold(
      runBackendKernel('Slice', backendName, backend, { x }, { begin: [0, 0, 0, 0], size: [batch, keptHeight, keptWidth, inChannels] }),
    );
  }
  // Channels become the batch and the batch becomes the channels that the conv sums over.
  const xAsBatch = scope.hold(runBackendKernel('Transpose', backendName, backend, { x: xUsed }, { perm: [3, 1, 2, 0] }));
  const dyAsFilter = scope.hold(runBackendKernel('Transpose', backendName, backend, { x: dy }, { perm: [1, 2, 0, 3] }));
  const gradient = scope.hold(
    runStrideOneConv(backendName, backend, xAsBatch, dyAsFilter, { top: padTop, bottom: padBottom, left: padLeft, right: padRight }, [
      strideHeight,
      strideWidth,
    ]),
  );
  const produced = gradient.shape;
  if (produced[0] !== inChannels || produced[1] !== filterHeight || produced[2] !== filterWidth || produced[3] !== outChannels) {
    throw new Error(
      `${KERNEL}: internal shape mismatch, the dilated convolution produced [${produced.join(', ')}] ` +
        `instead of [${inChannels}, ${filterHeight}, ${filterWidth}, ${outChannels}].`,
    );
  }
  return runBackendKernel('Transpose', backendName, backend, { x: gradient }, { perm: [1, 2, 0, 3] });
}

function filterGradientByMatMul(
  backendName: BackendName,
  backend: tf.KernelBackend,
  scope: Intermediates,
  x: TensorInfo,
  dy: TensorInfo,
  conv: tf.backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth } = conv;
  const padTop = conv.padInfo.top;
  const padLeft = conv.padInfo.left;
  const pixels = batchSize * outHeight * outWidth;
  const taps = filterHeight * filterWidth * inChannels;
  // Row (i, j, c) of the transposed patches holds x[n, oh*s + i - pad, ow*s + j - pad, c] for every output pixel.
  const patchesT = scope.hold(
    computeValues(backend, [1, taps, pixels], 'float32', (out) => {
      const input = readValues(backend, x) as Float32Array;
      let pixel = 0;
      for (let n = 0; n < batchSize; n++) {
        for (let oh = 0; oh < outHeight; oh++) {
          for (let ow = 0; ow < outWidth; ow++, pixel++) {
            for (let i = 0; i < filterHeight; i++) {
              const ih = oh * strideHeight + i - padTop;
              if (ih < 0 || ih >= inHeight) continue;
              for (let j = 0; j < filterWidth; j++) {
                const iw = ow * strideWidth + j - padLeft;
                if (iw < 0 || iw >= inWidth) continue;
                const from = ((n * inHeight + ih) * inWidth + iw) * inChannels;
                let to = (i * filterWidth + j) * inChannels * pixels + pixel;
                for (let c = 0; c < inChannels; c++, to += pixels) out[to] = input[from + c];
              }
            }
          }
        }
      }
    }),
  );
  const dyRows = scope.hold(runBackendKernel('Reshape', backendName, backend, { x: dy }, { shape: [1, pixels, outChannels] }));
  const gradient = scope.hold(
    runBackendKernel('BatchMatMul', backendName, backend, { a: patchesT, b: dyRows }, { transposeA: false, transposeB: false }),
  );
  return runBackendKernel('Reshape', backendName, backend, { x: gradient }, { shape: [filterHeight, filterWidth, inChannels, outChannels] });
}
