/**
 * UnsortedSegmentSum in one pass. It is the gradient of `gather`, so it runs on
 * every step of any model that gathers (RoI sampling, embeddings). wasm lacks
 * the kernel, and cpu's builds one masked full-size product per segment, which
 * costs numSegments x size(x) and is unusable for gathers from feature maps.
 */
import { tf } from '../../tf';
import { readValues, writeValues, type TensorInfo } from './kernel-utils';

const KERNEL = 'UnsortedSegmentSum';

export const unsortedSegmentSumKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const kernelBackend = backend as tf.KernelBackend;
  const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`${KERNEL}: x must be float32 or int32, got ${x.dtype}.`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`${KERNEL}: numSegments must be a non-negative integer, got ${numSegments}.`);
  }
  const idsRank = segmentIds.shape.length;
  if (segmentIds.shape.some((size, axis) => size !== x.shape[axis])) {
    throw new Error(
      `${KERNEL}: segmentIds shape [${segmentIds.shape.join(', ')}] must be a prefix of x's shape [${x.shape.join(', ')}].`,
    );
  }
  const rowShape = x.shape.slice(idsRank);
  const rowSize = rowShape.reduce((product, size) => product * size, 1);
  const xValues = readValues(kernelBackend, x);
  const ids = readValues(kernelBackend, segmentIds);
  const out = x.dtype === 'int32' ? new Int32Array(numSegments * rowSize) : new Float32Array(numSegments * rowSize);
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row];
    // As in TensorFlow, negative ids mark rows to drop.
    if (segment < 0) continue;
    if (segment >= numSegments) {
      throw new Error(`${KERNEL}: segment id ${segment} at position ${row} is not below numSegments ${numSegments}.`);
    }
    const from = row * rowSize;
    const to = segment * rowSize;
    for (let k = 0; k < rowSize; k++) out[to + k] += xValues[from + k];
  }
  return writeValues(kernelBackend, [numSegments, ...rowShape], x.dtype, out);
};
