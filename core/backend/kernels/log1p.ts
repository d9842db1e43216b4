/**
 * Log1p for wasm. The stock kernel computes log(1 + x), which rounds 1 + x
 * to 1 for |x| below float32's epsilon: log1p(1e-9) came out 0, and with it
 * every small BCE loss (log(1 + e^−|x|) for confident logits).
 */
import { tf } from '../../tf';
import { assertFloat32, computeValues, readValues, type TensorInfo } from './kernel-utils';

export const log1pKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const kernelBackend = backend as tf.KernelBackend;
  const { x } = inputs as { x: TensorInfo };
  assertFloat32(x, 'Log1p', 'x');
  return computeValues(
    kernelBackend,
    x.shape.slice(),
    'float32',
    (out) => {
      const values = readValues(kernelBackend, x);
      for (let i = 0; i < values.length; i++) out[i] = Math.log1p(values[i]);
    },
    { writesEveryValue: true },
  );
};
