/**
 * Plumbing shared by our kernels. A kernel runs below the engine: it sees
 * backend data ids, not tensors, so everything it allocates must be released
 * by hand and every sub-computation must go through a kernel of the same
 * backend (calling `tf.*` ops from inside a kernel would re-enter the engine
 * and record the intermediates on the gradient tape).
 */
import { tf } from '../../tf';

export type TensorInfo = tf.TensorInfo;
export type BackendName = 'cpu' | 'wasm';

/** The part of the wasm backend we touch; typed here to avoid importing the package eagerly. */
interface HeapBackend extends tf.KernelBackend {
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function hasHeapViews(backend: tf.KernelBackend): backend is HeapBackend {
  return typeof (backend as Partial<HeapBackend>).typedArrayFromHeap === 'function';
}

/**
 * Runs `kernelName` as registered for `backendName`. Used to compose kernels;
 * the caller owns the returned data and must dispose it.
 */
export function runBackendKernel(
  kernelName: string,
  backendName: BackendName,
  backend: tf.KernelBackend,
  inputs: Record<string, TensorInfo>,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const config = tf.getKernel(kernelName, backendName);
  if (config == null) {
    throw new Error(`Kernel '${kernelName}' is not registered for the '${backendName}' backend, so a composed kernel cannot use it.`);
  }
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) {
    throw new Error(`Kernel '${kernelName}' on '${backendName}' returned ${out.length} outputs where one was expected.`);
  }
  return out;
}

/**
 * A stride-1 NHWC Conv2D with explicit padding, through the backend's own
 * (XNNPACK on wasm) kernel: the building block both conv gradients are
 * rewritten into.
 */
export function runStrideOneConv(
  backendName: BackendName,
  backend: tf.KernelBackend,
  x: TensorInfo,
  filter: TensorInfo,
  pad: { top: number; bottom: number; left: number; right: number },
  dilations: [number, number] = [1, 1],
): TensorInfo {
  return runBackendKernel(
    'Conv2D',
    backendName,
    backend,
    { x, filter },
    {
      strides: [1, 1],
      pad: [
        [0, 0],
        [pad.top, pad.bottom],
        [pad.left, pad.right],
        [0, 0],
      ],
      dataFormat: 'NHWC',
      dilations,
    },
  );
}

/**
 * Collects the intermediate results of a composed kernel so that they are
 * released even when a step throws.
 */
export class Intermediates {
  private readonly held: TensorInfo[] = [];

  constructor(private readonly backend: tf.KernelBackend) {}

  hold(info: TensorInfo): TensorInfo {
    this.held.push(info);
    return info;
  }

  /** Stops tracking `info` because it is handed back to the engine as the kernel's result. */
  release(info: TensorInfo): TensorInfo {
    const at = this.held.indexOf(info);
    if (at >= 0) this.held.splice(at, 1);
    return info;
  }

  disposeAll(): void {
    for (const info of this.held.splice(0)) this.backend.disposeData(info.dataId);
  }
}

/**
 * Reads a tensor's values without copying where the backend allows. On wasm
 * the view aliases the heap, which moves when the heap grows: read inputs,
 * compute into a JS array, and only then allocate the output.
 */
export function readValues(backend: tf.KernelBackend, info: TensorInfo): Float32Array | Int32Array | Uint8Array {
  if (hasHeapViews(backend)) return backend.typedArrayFromHeap(info);
  const values = backend.readSync(info.dataId);
  if (values instanceof Float32Array || values instanceof Int32Array || values instanceof Uint8Array) return values;
  throw new Error(`Expected numeric data for a tensor of dtype ${info.dtype} with shape [${info.shape.join(', ')}], got ${Object.prototype.toString.call(values)}.`);
}

/**
 * Allocates a tensor and lets `fill` write its values in place: on wasm
 * directly into the heap (no JS copy, no second pass to hand it over),
 * elsewhere into a JS array handed to the backend afterwards. The values start
 * at zero unless `writesEveryValue` says `fill` overwrites them all anyway.
 * `fill` must read its inputs (readValues) itself: allocating may grow the
 * wasm heap, which detaches every view taken before.
 */
export function computeValues<T extends 'float32' | 'int32' | 'bool'>(
  backend: tf.KernelBackend,
  shape: number[],
  dtype: T,
  fill: (out: T extends 'float32' ? Float32Array : T extends 'int32' ? Int32Array : Uint8Array) => void,
  { writesEveryValue = false }: { writesEveryValue?: boolean } = {},
): TensorInfo {
  type Out = Parameters<typeof fill>[0];
  const size = shape.reduce((product, length) => product * length, 1);
  if (hasHeapViews(backend)) {
    const dataId = backend.write(null as unknown as tf.BackendValues, shape, dtype);
    const info: TensorInfo = { dataId, shape, dtype };
    const out = backend.typedArrayFromHeap(info) as Out;
    // The heap is reused memory, not zeroed.
    if (!writesEveryValue) out.fill(0);
    fill(out);
    return info;
  }
  const out = (dtype === 'float32' ? new Float32Array(size) : dtype === 'int32' ? new Int32Array(size) : new Uint8Array(size)) as Out;
  fill(out);
  return writeValues(backend, shape, dtype, out);
}

/** Hands freshly computed values to the backend as a new tensor (refCount 1, owned by the caller). */
export function writeValues(
  backend: tf.KernelBackend,
  shape: number[],
  dtype: 'float32' | 'int32' | 'bool',
  values: Float32Array | Int32Array | Uint8Array,
): TensorInfo {
  const dataId = backend.write(values, shape, dtype);
  return { dataId, shape, dtype };
}

export function assertFloat32(info: TensorInfo, kernelName: string, inputName: string): void {
  if (info.dtype !== 'float32') {
    throw new Error(`${kernelName}: input '${inputName}' must be float32, got ${info.dtype}. Cast it with tf.cast(x, 'float32') first.`);
  }
}
