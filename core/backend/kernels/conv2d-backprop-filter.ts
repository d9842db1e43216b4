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
 */
import { tf } from '../../tf';
import { Intermediates, runBackendKernel, assertFloat32, type BackendName, type TensorInfo } from './kernel-utils';

type Conv2DBackpropFilterAttrs = tf.Conv2DBackpropFilterAttrs;

const KERNEL = 'Conv2DBackpropFilter';

export function makeConv2DBackpropFilterKernel(backendName: BackendName): tf.KernelFunc {
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
}

function filterGradientNhwc(
  backendName: BackendName,
  backend: tf.KernelBackend,
  scope: Intermediates,
  x: TensorInfo,
  dy: TensorInfo,
  { strides, pad, dimRoundingMode, filterShape }: FilterGradientGeometry,
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
    runBackendKernel(
      'Conv2D',
      backendName,
      backend,
      { x: xAsBatch, filter: dyAsFilter },
      {
        strides: [1, 1],
        pad: [
          [0, 0],
          [padTop, padBottom],
          [padLeft, padRight],
          [0, 0],
        ],
        dataFormat: 'NHWC',
        dilations: [strideHeight, strideWidth],
      },
    ),
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
