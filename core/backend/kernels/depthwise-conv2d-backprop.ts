/**
 * Gradients of DepthwiseConv2dNative for backends that lack them (wasm).
 * Depthwise convolutions do little arithmetic per byte, so a direct loop over
 * the backend's memory is as fast as composing transposes and convolutions
 * would be, and it handles stride, dilation and any padding in one place.
 *
 * Layout is NHWC with filter [kh, kw, C, M]; output channel q = c*M + m reads
 * input channel c, which is why the inner loops walk q contiguously.
 */
import { tf } from '../../tf';
import { assertFloat32, readValues, writeValues, type TensorInfo } from './kernel-utils';

type FilterAttrs = tf.DepthwiseConv2dNativeBackpropFilterAttrs;
type InputAttrs = tf.DepthwiseConv2dNativeBackpropInputAttrs;

interface DepthwiseGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  multiplier: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

function depthwiseGeometry(
  kernelName: string,
  inShape: number[],
  filterShape: number[],
  dyShape: number[],
  attrs: Pick<FilterAttrs, 'strides' | 'dilations' | 'pad' | 'dimRoundingMode'>,
): DepthwiseGeometry {
  if (inShape.length !== 4 || filterShape.length !== 4 || dyShape.length !== 4) {
    throw new Error(
      `${kernelName}: expected rank-4 NHWC input [${inShape.join(', ')}], filter [${filterShape.join(', ')}] and dy [${dyShape.join(', ')}].`,
    );
  }
  const conv = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
    'channelsLast',
  );
  const expectedDy = [conv.batchSize, conv.outHeight, conv.outWidth, conv.outChannels];
  if (dyShape.some((size, axis) => size !== expectedDy[axis])) {
    throw new Error(
      `${kernelName}: dy has shape [${dyShape.join(', ')}] but the forward depthwise convolution of ` +
        `[${inShape.join(', ')}] with filter [${filterShape.join(', ')}] produces [${expectedDy.join(', ')}].`,
    );
  }
  return {
    batch: conv.batchSize,
    inHeight: conv.inHeight,
    inWidth: conv.inWidth,
    inChannels: conv.inChannels,
    multiplier: filterShape[3],
    outHeight: conv.outHeight,
    outWidth: conv.outWidth,
    filterHeight: conv.filterHeight,
    filterWidth: conv.filterWidth,
    strideHeight: conv.strideHeight,
    strideWidth: conv.strideWidth,
    dilationHeight: conv.dilationHeight,
    dilationWidth: conv.dilationWidth,
    padTop: conv.padInfo.top,
    padLeft: conv.padInfo.left,
  };
}

/** dW[i, j, c, m] = sum over n, oh, ow of x[n, oh*s - pt + i*d, ow*s - pl + j*d, c] * dy[n, oh, ow, c*M + m]. */
function depthwiseFilterGradient(x: ArrayLike<number>, dy: ArrayLike<number>, g: DepthwiseGeometry): Float32Array {
  const channelsOut = g.inChannels * g.multiplier;
  const dW = new Float32Array(g.filterHeight * g.filterWidth * channelsOut);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let i = 0; i < g.filterHeight; i++) {
        const ih = oh * g.strideHeight - g.padTop + i * g.dilationHeight;
        if (ih < 0 || ih >= g.inHeight) continue;
        for (let ow = 0; ow < g.outWidth; ow++) {
          const dyBase = ((n * g.outHeight + oh) * g.outWidth + ow) * channelsOut;
          for (let j = 0; j < g.filterWidth; j++) {
            const iw = ow * g.strideWidth - g.padLeft + j * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * g.inChannels;
            const wBase = (i * g.filterWidth + j) * channelsOut;
            let q = 0;
            for (let c = 0; c < g.inChannels; c++) {
              const xValue = x[xBase + c];
              for (let m = 0; m < g.multiplier; m++, q++) dW[wBase + q] += xValue * dy[dyBase + q];
            }
          }
        }
      }
    }
  }
  return dW;
}

/** dx[n, ih, iw, c] = sum over the windows that read it of sum over m of dy[n, oh, ow, c*M + m] * w[i, j, c, m]. */
function depthwiseInputGradient(dy: ArrayLike<number>, filter: ArrayLike<number>, g: DepthwiseGeometry): Float32Array {
  const channelsOut = g.inChannels * g.multiplier;
  const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * g.inChannels);
  for (let n = 0; n < g.batch; n++) {
    for (let oh = 0; oh < g.outHeight; oh++) {
      for (let i = 0; i < g.filterHeight; i++) {
        const ih = oh * g.strideHeight - g.padTop + i * g.dilationHeight;
        if (ih < 0 || ih >= g.inHeight) continue;
        for (let ow = 0; ow < g.outWidth; ow++) {
          const dyBase = ((n * g.outHeight + oh) * g.outWidth + ow) * channelsOut;
          for (let j = 0; j < g.filterWidth; j++) {
            const iw = ow * g.strideWidth - g.padLeft + j * g.dilationWidth;
            if (iw < 0 || iw >= g.inWidth) continue;
            const xBase = ((n * g.inHeight + ih) * g.inWidth + iw) * g.inChannels;
            const wBase = (i * g.filterWidth + j) * channelsOut;
            let q = 0;
            for (let c = 0; c < g.inChannels; c++) {
              let sum = 0;
              for (let m = 0; m < g.multiplier; m++, q++) sum += dy[dyBase + q] * filter[wBase + q];
              dx[xBase + c] += sum;
            }
          }
        }
      }
    }
  }
  return dx;
}

export const depthwiseConv2dNativeBackpropFilterKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const kernelName = 'DepthwiseConv2dNativeBackpropFilter';
  const kernelBackend = backend as tf.KernelBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const filterAttrs = attrs as unknown as FilterAttrs;
  assertFloat32(x, kernelName, 'x');
  assertFloat32(dy, kernelName, 'dy');
  const geometry = depthwiseGeometry(kernelName, x.shape, filterAttrs.filterShape, dy.shape, filterAttrs);
  const dW = depthwiseFilterGradient(readValues(kernelBackend, x), readValues(kernelBackend, dy), geometry);
  return writeValues(kernelBackend, [...filterAttrs.filterShape], 'float32', dW);
};

export const depthwiseConv2dNativeBackpropInputKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const kernelName = 'DepthwiseConv2dNativeBackpropInput';
  const kernelBackend = backend as tf.KernelBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputAttrs = attrs as unknown as InputAttrs;
  assertFloat32(dy, kernelName, 'dy');
  assertFloat32(filter, kernelName, 'filter');
  const geometry = depthwiseGeometry(kernelName, inputAttrs.inputShape, filter.shape, dy.shape, inputAttrs);
  const dx = depthwiseInputGradient(readValues(kernelBackend, dy), readValues(kernelBackend, filter), geometry);
  return writeValues(kernelBackend, [...inputAttrs.inputShape], 'float32', dx);
};
