/**
 * Registers our training kernels: the ones wasm lacks (so it can train convs
 * and gathers), and replacements for cpu and wasm kernels that are
 * pathologically slow or wrong. Several wasm ones route work to the stock
 * XNNPACK-backed Conv2D and BatchMatMul. The stock kernels we replace are kept,
 * for our kernels to delegate to and for tests and benchmarks to compare against.
 */
// The wasm package registers its kernels when first imported; importing it here
// guarantees that happens before we register ours, which would otherwise be
// overwritten.
import '@tensorflow/tfjs-backend-wasm';
import { tf } from '../../tf';
import { makeConv2DBackpropFilterKernel } from './conv2d-backprop-filter';
import { makeConv2DBackpropInputKernel } from './conv2d-backprop-input';
import { sharedDataIdentityKernel } from './identity';
import { makeTransposingBatchMatMulKernel } from './batch-mat-mul';
import { gatherRowsKernel } from './gather';
import { makeConv2DKernel } from './conv2d';
import { makeRowConcatKernel, makeRowSplitKernel, makeSharingCastKernel } from './copy-kernels';
import { depthwiseConv2dNativeBackpropFilterKernel, depthwiseConv2dNativeBackpropInputKernel } from './depthwise-conv2d-backprop';
import { unsortedSegmentSumKernel } from './unsorted-segment-sum';
import { resizeBilinearGradKernel, resizeNearestNeighborGradKernel } from './resize-grad';
import { CORRECTED_GRADIENTS, registerCorrectedGradients } from '../../tf-gradients';
import { maxPoolGradKernel } from './max-pool-grad';
import { log1pKernel } from './log1p';
import type { BackendName } from './kernel-utils';

interface FastKernel {
  kernelName: string;
  backendName: BackendName;
  kernelFunc: tf.KernelFunc;
  why: string;
}

const FAST_KERNELS: readonly FastKernel[] = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'cpu', kernelFunc: makeConv2DBackpropFilterKernel('cpu'), why: 'stock kernel is ~60x slower than the forward conv' },
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: makeConv2DBackpropFilterKernel('wasm'), why: 'missing on wasm' },
  {
    kernelName: 'Conv2D',
    backendName: 'wasm',
    kernelFunc: makeConv2DKernel('wasm', () => requireStockKernel('Conv2D', 'wasm').kernelFunc),
    why: 'stock kernel repacks every new filter at ~18 ns per weight; large filters on small maps run faster as im2col + matmul',
  },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: makeConv2DBackpropInputKernel('wasm'), why: 'stock kernel is a naive loop ~3x slower than the XNNPACK forward conv' },
  {
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: makeTransposingBatchMatMulKernel('wasm', () => requireStockKernel('BatchMatMul', 'wasm').kernelFunc),
    why: 'stock kernel leaves XNNPACK for a 10-15x slower loop when an operand is transposed, as in every matMul gradient',
  },
  { kernelName: 'GatherV2', backendName: 'wasm', kernelFunc: gatherRowsKernel, why: 'stock kernel costs ~30 ns per element, 10x a copy' },
  { kernelName: 'Identity', backendName: 'wasm', kernelFunc: sharedDataIdentityKernel, why: 'stock kernel copies every tensor the gradient tape saves' },
  {
    kernelName: 'Cast',
    backendName: 'wasm',
    kernelFunc: makeSharingCastKernel(() => requireStockKernel('Cast', 'wasm').kernelFunc),
    why: 'stock kernel copies on a cast to the same dtype, which gradients do for every saved tensor',
  },
  {
    kernelName: 'Concat',
    backendName: 'wasm',
    kernelFunc: makeRowConcatKernel(() => requireStockKernel('Concat', 'wasm').kernelFunc),
    why: 'stock kernel makes a subarray per copied row',
  },
  {
    kernelName: 'SplitV',
    backendName: 'wasm',
    kernelFunc: makeRowSplitKernel(() => requireStockKernel('SplitV', 'wasm').kernelFunc),
    why: 'stock kernel slices through readSync',
  },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropFilterKernel, why: 'missing on wasm' },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', backendName: 'wasm', kernelFunc: depthwiseConv2dNativeBackpropInputKernel, why: 'missing on wasm' },
  { kernelName: 'UnsortedSegmentSum', backendName: 'wasm', kernelFunc: unsortedSegmentSumKernel, why: 'missing on wasm (gather has no gradient without it)' },
  { kernelName: 'UnsortedSegmentSum', backendName: 'cpu', kernelFunc: unsortedSegmentSumKernel, why: 'stock kernel costs numSegments x size(x)' },
  { kernelName: 'ResizeBilinearGrad', backendName: 'cpu', kernelFunc: resizeBilinearGradKernel, why: 'stock kernel swaps H/W and ignores halfPixelCenters' },
  { kernelName: 'ResizeBilinearGrad', backendName: 'wasm', kernelFunc: resizeBilinearGradKernel, why: 'stock kernel ignores halfPixelCenters' },
  { kernelName: 'ResizeNearestNeighborGrad', backendName: 'cpu', kernelFunc: resizeNearestNeighborGradKernel, why: 'stock kernel ignores halfPixelCenters and mis-strides dy for batch > 1' },
  { kernelName: 'ResizeNearestNeighborGrad', backendName: 'wasm', kernelFunc: resizeNearestNeighborGradKernel, why: 'stock kernel ignores halfPixelCenters' },
  {
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: maxPoolGradKernel,
    why: 'stock kernel starts its running max at the smallest positive float (windows with max <= 0 go wrong) and sends ties to the last maximum, PyTorch the first',
  },
  { kernelName: 'Log1p', backendName: 'wasm', kernelFunc: log1pKernel, why: 'stock kernel computes log(1 + x), which is 0 for |x| < 6e-8' },
];

const replacedStockKernels = new Map<string, tf.KernelConfig>();

function registryKey(kernelName: string, backendName: string): string {
  return `${backendName}/${kernelName}`;
}

/** Registers every fast kernel and corrected gradient; calling it again is a no-op. */
export function installFastKernels(): void {
  // Already registered when core/tf loaded; again in case anything re-registered the stock ones since.
  registerCorrectedGradients();
  for (const fast of FAST_KERNELS) {
    const current = tf.getKernel(fast.kernelName, fast.backendName);
    if (current?.kernelFunc === fast.kernelFunc) continue;
    const key = registryKey(fast.kernelName, fast.backendName);
    if (current != null) {
      if (!replacedStockKernels.has(key)) replacedStockKernels.set(key, current);
      tf.unregisterKernel(fast.kernelName, fast.backendName);
    }
    // A backend runs the setup of its registered kernels when it initialises;
    // wasm's binds each kernel's C++ entry point there. Our kernels call the
    // stock ones they replace, so the stock setup must still run if wasm
    // initialises after we install (cpu chosen first, say).
    const stock = replacedStockKernels.get(key);
    tf.registerKernel({
      kernelName: fast.kernelName,
      backendName: fast.backendName,
      kernelFunc: fast.kernelFunc,
      setupFunc: stock?.setupFunc,
      disposeFunc: stock?.disposeFunc,
    });
  }
}

/** What installFastKernels registers and why; for diagnostics (`tensorweave info`) and tests. */
export function listFastKernels(): { kernelName: string; backendName: BackendName; why: string; installed: boolean }[] {
  return FAST_KERNELS.map((fast) => ({
    kernelName: fast.kernelName,
    backendName: fast.backendName,
    why: fast.why,
    installed: tf.getKernel(fast.kernelName, fast.backendName)?.kernelFunc === fast.kernelFunc,
  }));
}

/** The gradients installFastKernels replaces and why. */
export function listGradients(): { kernelName: string; why: string; installed: boolean }[] {
  return CORRECTED_GRADIENTS.map(({ config, why }) => ({ kernelName: config.kernelName, why, installed: tf.getGradient(config.kernelName) === config }));
}

/** The TensorFlow.js kernel that installFastKernels replaced, if it replaced one. */
export function stockKernel(kernelName: string, backendName: BackendName): tf.KernelConfig | undefined {
  return replacedStockKernels.get(registryKey(kernelName, backendName));
}

function requireStockKernel(kernelName: string, backendName: BackendName): tf.KernelConfig {
  const config = stockKernel(kernelName, backendName);
  if (config == null) {
    throw new Error(`The stock '${kernelName}' kernel for '${backendName}' was not recorded; installFastKernels() must run before our '${kernelName}' does.`);
  }
  return config;
}

/**
 * Runs the replaced stock kernel on tensors of the active backend, returning an
 * engine-tracked tensor. Exists so tests and benchmarks can compare against it.
 */
export function runStockKernel(
  kernelName: string,
  backendName: BackendName,
  inputs: Record<string, tf.Tensor>,
  attrs: Record<string, unknown>,
): tf.Tensor {
  const config = stockKernel(kernelName, backendName);
  if (config == null) {
    throw new Error(`No stock '${kernelName}' kernel was replaced on '${backendName}'; call installFastKernels() first.`);
  }
  if (tf.getBackend() !== backendName) {
    throw new Error(`runStockKernel('${kernelName}', '${backendName}') needs '${backendName}' to be the active backend, not '${tf.getBackend()}'.`);
  }
  const backend = tf.backend();
  const out = config.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new Error(`Stock kernel '${kernelName}' returned several outputs.`);
  return tf.engine().makeTensorFromTensorInfo(out, backend);
}
