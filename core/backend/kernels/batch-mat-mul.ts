/**
 * BatchMatMul whose transposed operands are transposed explicitly first.
 * wasm's kernel only reaches XNNPACK for plain A·B; with transposeA or
 * transposeB it falls back to a loop that is 10-15x slower than a Transpose
 * plus the plain product. Every matMul gradient asks for a transposed operand
 * (dA = dY·Bᵀ, dB = Aᵀ·dY), so linear layers would train at the slow speed.
 */
import { tf } from '../../tf';
import { Intermediates, runBackendKernel, type BackendName, type TensorInfo } from './kernel-utils';

/**
 * `plainKernel` returns the backend's own BatchMatMul (looked up when the
 * kernel runs, since this one replaces it in the registry); it is only ever
 * called with both transpose flags off.
 */
export function makeTransposingBatchMatMulKernel(backendName: BackendName, plainKernel: () => tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
    const plain = plainKernel();
    if (!transposeA && !transposeB) return plain({ inputs, backend, attrs });
    const kernelBackend = backend as tf.KernelBackend;
    const scope = new Intermediates(kernelBackend);
    const swapLastTwo = (x: TensorInfo): TensorInfo => {
      const perm = x.shape.map((_, axis) => axis);
      perm[perm.length - 2] = perm.length - 1;
      perm[perm.length - 1] = perm.length - 2;
      return scope.hold(runBackendKernel('Transpose', backendName, kernelBackend, { x }, { perm }));
    };
    try {
      return plain({
        inputs: { a: transposeA ? swapLastTwo(a) : a, b: transposeB ? swapLastTwo(b) : b },
        backend,
        attrs: { ...attrs, transposeA: false, transposeB: false },
      });
    } finally {
      scope.disposeAll();
    }
  };
}
