/**
 * The gradient of MirrorPad. tfjs's own keeps only the centre of dy and drops
 * what flowed into the mirrored border, so d/dx Σ mirrorPad([1,2,3], 1,
 * reflect) came out [1,1,1] instead of PyTorch's [1,3,1]; reflection_pad2d,
 * conv2d with reflect padding and the ResNet generator trained on gradients
 * off by up to ~80%. This one folds each border back onto the input positions
 * it copied, one axis at a time, with ops that have their own gradients and
 * audited kernels (slice, reverse, pad, add), so it is the same on every backend.
 */
// tfjs-core directly, not '../../tf': core/tf.ts registers these gradients while it loads (core/tf-gradients.ts).
import * as tf from '@tensorflow/tfjs-core';

/** Sums the padded axis `axis` of `dy` back onto an input of length `size`. */
function foldAxis(dy: tf.Tensor, axis: number, before: number, after: number, size: number, mode: 'reflect' | 'symmetric'): tf.Tensor {
  if (before === 0 && after === 0) return dy;
  const rank = dy.shape.length;
  const sliceAlong = (start: number, length: number) => {
    const begin = new Array<number>(rank).fill(0);
    const extent = dy.shape.slice();
    begin[axis] = start;
    extent[axis] = length;
    return tf.slice(dy, begin, extent);
  };
  const padAlong = (t: tf.Tensor, lo: number, hi: number) => {
    const paddings = dy.shape.map((): [number, number] => [0, 0]);
    paddings[axis] = [lo, hi];
    return tf.pad(t, paddings);
  };
  // reflect skips the edge (left border i ↦ before − i), symmetric repeats it (↦ before − 1 − i).
  const skip = mode === 'reflect' ? 1 : 0;
  let dx = sliceAlong(before, size);
  if (before > 0) {
    const left = tf.reverse(sliceAlong(0, before), axis);
    dx = tf.add(dx, padAlong(left, skip, size - skip - before));
  }
  if (after > 0) {
    const right = tf.reverse(sliceAlong(before + size, after), axis);
    dx = tf.add(dx, padAlong(right, size - skip - after, skip));
  }
  return dx;
}

export const mirrorPadGradConfig: tf.GradConfig = {
  kernelName: 'MirrorPad',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const { paddings, mode } = attrs as unknown as tf.MirrorPadAttrs;
    return {
      x: () => {
        let dx = dy as tf.Tensor;
        paddings.forEach(([before, after], axis) => {
          dx = foldAxis(dx, axis, before, after, x.shape[axis], mode);
        });
        return dx;
      },
    };
  },
};
