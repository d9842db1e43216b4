/**
 * MaxPoolGrad with PyTorch's rule: each window's gradient goes to its FIRST
 * maximum in row-major order (NaN counting as the maximum), and padded taps
 * never win. wasm's stock kernel starts its running max at the smallest
 * positive float, so a window whose max is ≤ 0 sent its gradient to the wrong
 * place, and ties went to the last maximum: 2×2 pooling over
 * [[-5,-2],[-3,-4]] gave [1,0,0,0] where PyTorch gives [0,1,0,0].
 */
import { tf } from '../../tf';
import { assertFloat32, computeValues, readValues, type TensorInfo } from './kernel-utils';

const KERNEL = 'MaxPoolGrad';

export const maxPoolGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const kernelBackend = backend as tf.KernelBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  assertFloat32(dy, KERNEL, 'dy');
  assertFloat32(input, KERNEL, 'input');
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth } = info;
  const { top, left } = info.padInfo;
  if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth) {
    throw new Error(`${KERNEL}: dy is ${dy.shape[1]}×${dy.shape[2]} but the pool gives ${outHeight}×${outWidth}.`);
  }
  return computeValues(kernelBackend, input.shape.slice(), 'float32', (dx) => {
    const x = readValues(kernelBackend, input);
    const g = readValues(kernelBackend, dy);
    for (let b = 0; b < batchSize; b++) {
      const xBase = b * inHeight * inWidth * channels;
      for (let oy = 0; oy < outHeight; oy++) {
        const y0 = oy * strideHeight - top;
        const yStart = Math.max(0, y0);
        const yEnd = Math.min(inHeight, y0 + filterHeight);
        for (let ox = 0; ox < outWidth; ox++) {
          const x0 = ox * strideWidth - left;
          const xStart = Math.max(0, x0);
          const xEnd = Math.min(inWidth, x0 + filterWidth);
          const gBase = ((b * outHeight + oy) * outWidth + ox) * channels;
          for (let c = 0; c < channels; c++) {
            let best = -1;
            let bestValue = -Infinity;
            for (let iy = yStart; iy < yEnd; iy++) {
              for (let ix = xStart; ix < xEnd; ix++) {
                const at = xBase + (iy * inWidth + ix) * channels + c;
                const v = x[at];
                // Strictly greater keeps the first of equal maxima; NaN wins, as in PyTorch.
                if (best < 0 || v > bestValue || Number.isNaN(v)) {
                  best = at;
                  bestValue = v;
                  if (Number.isNaN(v)) break;
                }
              }
              if (Number.isNaN(bestValue)) break;
            }
            if (best >= 0) dx[best] += g[gBase + c];
          }
        }
      }
    }
  });
};
