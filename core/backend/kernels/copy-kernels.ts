/**
 * Kernels that only move data, rewritten for wasm where the stock ones copy
 * slowly or needlessly:
 * - Cast to the tensor's own dtype copies the buffer on wasm. TensorFlow.js's
 *   gradients cast every saved float32 tensor to float32 (Multiply, Relu,
 *   Square, ...), so a step ran ~100 such copies. Now it shares the buffer,
 *   as Identity does (see identity.ts). Casting to bool is also fixed: the
 *   stock kernel wraps values into a byte (-2 became 254) instead of testing
 *   for non-zero.
 * - Concat (skip connections) copies each row with a fresh subarray, and
 *   SplitV (its gradient) slices through readSync; both are single passes of
 *   row copies here, written straight into the output.
 */
import { tf } from '../../tf';
import { computeValues, readValues, type TensorInfo } from './kernel-utils';

type CopyableDtype = 'float32' | 'int32' | 'bool';

function isCopyable(dtype: string): dtype is CopyableDtype {
  return dtype === 'float32' || dtype === 'int32' || dtype === 'bool';
}

/** Rows shorter than this are copied element by element; a subarray per row costs more than the copy. */
const SHORT_ROW = 64;

/** 32-bit data is moved as Int32 words and bool as bytes, so each copy loop sees one array type. */
function asWords(values: Float32Array | Int32Array | Uint8Array): Int32Array | Uint8Array {
  return values instanceof Uint8Array ? values : new Int32Array(values.buffer, values.byteOffset, values.length);
}

function copyRun(to: Int32Array | Uint8Array, toOffset: number, from: Int32Array | Uint8Array, fromOffset: number, length: number): void {
  if (length < SHORT_ROW) {
    for (let k = 0; k < length; k++) to[toOffset + k] = from[fromOffset + k];
  } else {
    to.set(from.subarray(fromOffset, fromOffset + length), toOffset);
  }
}

/** `castKernel` returns the backend's own Cast, used whenever the dtype changes. */
export function makeSharingCastKernel(castKernel: () => tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { dtype } = args.attrs as unknown as tf.CastAttrs;
    const backend = args.backend as tf.KernelBackend;
    if (dtype === 'bool' && x.dtype !== 'bool' && isCopyable(x.dtype)) {
      return computeValues(
        backend,
        [...x.shape],
        'bool',
        (out) => {
          const values = readValues(backend, x);
          for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
        },
        { writesEveryValue: true },
      );
    }
    if (dtype !== x.dtype) return castKernel()(args);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/** `concatKernel` returns the backend's own Concat, used for string tensors. */
export function makeRowConcatKernel(concatKernel: () => tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as tf.KernelBackend;
    const inputs = Object.values(args.inputs) as TensorInfo[];
    const dtype = inputs[0]?.dtype;
    if (dtype == null || !isCopyable(dtype) || inputs.some((t) => t.dtype !== dtype)) return concatKernel()(args);
    const { axis } = args.attrs as unknown as tf.ConcatAttrs;
    const $axis = tf.util.parseAxisParam(axis, inputs[0].shape)[0];
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, $axis);
    const outShape = tf.backend_util.computeOutShape(shapes, $axis);
    const outer = tf.util.sizeFromShape(outShape.slice(0, $axis));
    const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
    const inner = parts.map((t) => tf.util.sizeFromShape(t.shape.slice($axis)));
    const rowLength = inner.reduce((sum, length) => sum + length, 0);
    return computeValues(backend, outShape, dtype, (out) => {
      const to = asWords(out);
      parts.forEach((part, p) => {
        const from = asWords(readValues(backend, part));
        const offset = inner.slice(0, p).reduce((sum, length) => sum + length, 0);
        for (let row = 0; row < outer; row++) copyRun(to, row * rowLength + offset, from, row * inner[p], inner[p]);
      });
    }, { writesEveryValue: true });
  };
}

/** `splitKernel` returns the backend's own SplitV, used for string tensors. */
export function makeRowSplitKernel(splitKernel: () => tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const backend = args.backend as tf.KernelBackend;
    const { x } = args.inputs as { x: TensorInfo };
    if (!isCopyable(x.dtype)) return splitKernel()(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const outer = tf.util.sizeFromShape(x.shape.slice(0, $axis));
    const after = tf.util.sizeFromShape(x.shape.slice($axis + 1));
    const rowLength = x.shape[$axis] * after;
    const dtype = x.dtype;
    let start = 0;
    return sizes.map((size) => {
      const shape = [...x.shape];
      shape[$axis] = size;
      const offset = start * after;
      const length = size * after;
      start += size;
      return computeValues(backend, shape, dtype, (out) => {
        const to = asWords(out);
        const from = asWords(readValues(backend, x));
        for (let row = 0; row < outer; row++) copyRun(to, row * length, from, row * rowLength + offset, length);
      }, { writesEveryValue: true });
    });
  };
}
