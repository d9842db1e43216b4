/**
 * Identity that shares its input's data instead of copying it.
 *
 * The engine clones (runs Identity on) every tensor a gradient will need when
 * the tape records an op, so a training step runs hundreds of Identity
 * kernels. wasm's stock kernel copies the whole buffer each time (~12% of a
 * U-Net step); the cpu backend already shares, with reference counting. Data
 * is never written in place after a kernel returns (wasm's Reshape shares
 * buffers the same way), so sharing is safe.
 */
import { tf } from '../../tf';
import type { TensorInfo } from './kernel-utils';

export const sharedDataIdentityKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x } = inputs as { x: TensorInfo };
  (backend as tf.KernelBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
};
