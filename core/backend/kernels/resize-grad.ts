/**
 * Gradients of ResizeBilinear and ResizeNearestNeighbor written as the exact
 * adjoint of the forward sampling, for cpu and wasm. The stock kernels ignore
 * `halfPixelCenters`; cpu's bilinear one also returns [b, W, H, c] (so it
 * throws whenever H != W) and cpu's nearest one reads dy with the input's batch
 * stride (wrong for batch > 1). The mapping below repeats the forward kernels'
 * arithmetic, so forward and backward agree by construction.
 */
import { tf } from '../../tf';
import { assertFloat32, readValues, writeValues, type TensorInfo } from './kernel-utils';

interface ResizeAxis {
  low: Int32Array;
  high: Int32Array;
  /** Weight of `high`; `low` gets 1 - lerp. */
  lerp: Float64Array;
}

function sourceRatio(inSize: number, outSize: number, alignCorners: boolean): number {
  const shrinkEnds = alignCorners && outSize > 1;
  return (shrinkEnds ? inSize - 1 : inSize) / (shrinkEnds ? outSize - 1 : outSize);
}

function bilinearAxis(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): ResizeAxis {
  const ratio = sourceRatio(inSize, outSize, alignCorners);
  const axis: ResizeAxis = { low: new Int32Array(outSize), high: new Int32Array(outSize), lerp: new Float64Array(outSize) };
  for (let out = 0; out < outSize; out++) {
    const source = halfPixelCenters ? ratio * (out + 0.5) - 0.5 : ratio * out;
    const low = Math.max(0, Math.floor(source));
    axis.low[out] = low;
    axis.high[out] = Math.min(inSize - 1, Math.ceil(source));
    axis.lerp[out] = source - low;
  }
  return axis;
}

function nearestAxis(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const ratio = sourceRatio(inSize, outSize, alignCorners);
  const source = new Int32Array(outSize);
  for (let out = 0; out < outSize; out++) {
    const fraction = halfPixelCenters ? ratio * (out + 0.5) : ratio * out;
    let nearest = Math.min(inSize - 1, alignCorners ? Math.round(fraction) : Math.floor(fraction));
    if (halfPixelCenters) nearest = Math.max(0, nearest);
    source[out] = nearest;
  }
  return source;
}

interface ResizeGradArgs {
  images: TensorInfo;
  dy: TensorInfo;
  alignCorners: boolean;
  halfPixelCenters: boolean;
}

function resizeGradGeometry(kernelName: string, { images, dy }: ResizeGradArgs) {
  if (images.shape.length !== 4 || dy.shape.length !== 4 || images.shape[0] !== dy.shape[0] || images.shape[3] !== dy.shape[3]) {
    throw new Error(
      `${kernelName}: expected NHWC images and dy with equal batch and channels, got images [${images.shape.join(', ')}] and dy [${dy.shape.join(', ')}].`,
    );
  }
  const [batch, inHeight, inWidth, channels] = images.shape;
  const [, outHeight, outWidth] = dy.shape;
  return { batch, inHeight, inWidth, channels, outHeight, outWidth };
}

export const resizeBilinearGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const kernelName = 'ResizeBilinearGrad';
  const kernelBackend = backend as tf.KernelBackend;
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const { alignCorners = false, halfPixelCenters = false } = (attrs ?? {}) as Partial<tf.ResizeBilinearGradAttrs>;
  assertFloat32(dy, kernelName, 'dy');
  const g = resizeGradGeometry(kernelName, { images, dy, alignCorners, halfPixelCenters });
  const rows = bilinearAxis(g.inHeight, g.outHeight, alignCorners, halfPixelCenters);
  const cols = bilinearAxis(g.inWidth, g.outWidth, alignCorners, halfPixelCenters);
  const dyValues = readValues(kernelBackend, dy);
  const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * g.channels);
  const C = g.channels;
  let dyOffset = 0;
  for (let b = 0; b < g.batch; b++) {
    const batchBase = b * g.inHeight;
    for (let r = 0; r < g.outHeight; r++) {
      const rowLerp = rows.lerp[r];
      const topBase = (batchBase + rows.low[r]) * g.inWidth;
      const bottomBase = (batchBase + rows.high[r]) * g.inWidth;
      for (let c = 0; c < g.outWidth; c++, dyOffset += C) {
        const colLerp = cols.lerp[c];
        const topLeft = (topBase + cols.low[c]) * C;
        const topRight = (topBase + cols.high[c]) * C;
        const bottomLeft = (bottomBase + cols.low[c]) * C;
        const bottomRight = (bottomBase + cols.high[c]) * C;
        const wTopLeft = (1 - rowLerp) * (1 - colLerp);
        const wTopRight = (1 - rowLerp) * colLerp;
        const wBottomLeft = rowLerp * (1 - colLerp);
        const wBottomRight = rowLerp * colLerp;
        for (let d = 0; d < C; d++) {
          const grad = dyValues[dyOffset + d];
          dx[topLeft + d] += grad * wTopLeft;
          dx[topRight + d] += grad * wTopRight;
          dx[bottomLeft + d] += grad * wBottomLeft;
          dx[bottomRight + d] += grad * wBottomRight;
        }
      }
    }
  }
  return writeValues(kernelBackend, [...images.shape], 'float32', dx);
};

export const resizeNearestNeighborGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const kernelName = 'ResizeNearestNeighborGrad';
  const kernelBackend = backend as tf.KernelBackend;
  const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
  const { alignCorners = false, halfPixelCenters = false } = (attrs ?? {}) as Partial<tf.ResizeNearestNeighborGradAttrs>;
  assertFloat32(dy, kernelName, 'dy');
  const g = resizeGradGeometry(kernelName, { images, dy, alignCorners, halfPixelCenters });
  const rows = nearestAxis(g.inHeight, g.outHeight, alignCorners, halfPixelCenters);
  const cols = nearestAxis(g.inWidth, g.outWidth, alignCorners, halfPixelCenters);
  const dyValues = readValues(kernelBackend, dy);
  const dx = new Float32Array(g.batch * g.inHeight * g.inWidth * g.channels);
  const C = g.channels;
  let dyOffset = 0;
  for (let b = 0; b < g.batch; b++) {
    for (let r = 0; r < g.outHeight; r++) {
      const rowBase = (b * g.inHeight + rows[r]) * g.inWidth;
      for (let c = 0; c < g.outWidth; c++, dyOffset += C) {
        const target = (rowBase + cols[c]) * C;
        for (let d = 0; d < C; d++) dx[target + d] += dyValues[dyOffset + d];
      }
    }
  }
  return writeValues(kernelBackend, [...images.shape], 'float32', dx);
};
