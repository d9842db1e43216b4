/**
 * The gradient of Abs: dy·sign(x), 0 at x = 0 as in PyTorch. tfjs's own is
 * dy·step(x, −1), which is −dy at 0, so an L1 loss whose prediction exactly
 * equals its target (saturated outputs, masked regions) still pushed the
 * prediction down.
 */
// tfjs-core directly, not '../../tf': core/tf.ts registers these gradients while it loads (core/tf-gradients.ts).
import * as tf from '@tensorflow/tfjs-core';

export const absGradConfig: tf.GradConfig = {
  kernelName: 'Abs',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => tf.mul(dy as tf.Tensor, tf.sign(tf.cast(x, 'float32'))) };
  },
};
