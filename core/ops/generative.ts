/**
 * Tensor ops of the generative family (pix2pix, CycleGAN, perceptual
 * losses) with the reference implementations' definitions, on NHWC tensors.
 */
import { tf } from '../tf';
import { bceWithLogits, l1Loss, mseLoss } from './losses';

export type GanMode = 'vanilla' | 'lsgan';

/**
 * pix2pix/CycleGAN's GANLoss: the discriminator's raw output compared with
 * an all-real (1) or all-fake (0) target of its own shape — BCE with logits
 * for 'vanilla', mean squared error for 'lsgan'.
 */
export function ganLoss(prediction: tf.Tensor, mode: GanMode, targetIsReal: boolean): tf.Scalar {
  const target = targetIsReal ? 1 : 0;
  return mode === 'vanilla' ? bceWithLogits(prediction, target) : mseLoss(prediction, target);
}

/**
 * Gram matrices of N×H×W×C features, N×C×C: G = F Fᵀ / (C·H·W) with F the
 * C×(H·W) matrix of one sample, as Johnson et al.'s style loss (and
 * pytorch/examples' fast_neural_style) normalise it.
 */
export function gramMatrix(features: tf.Tensor4D): tf.Tensor3D {
  const [n, h, w, c] = features.shape;
  const flat = tf.reshape(features, [n, h * w, c]) as tf.Tensor3D;
  return tf.div(tf.matMul(flat, flat, true, false), c * h * w) as tf.Tensor3D;
}

/** Sum over layers of the feature MSE (content term). */
export function contentLoss(generated: readonly tf.Tensor[], target: readonly tf.Tensor[]): tf.Scalar {
  return tf.addN(generated.map((f, i) => mseLoss(f, target[i]))) as tf.Scalar;
}

/**
 * Sum over layers of the MSE between the generated samples' Gram matrices
 * and the style Gram. The style batch is averaged into one Gram per layer:
 * with one style image repeated, as the reference does, that is exactly its
 * Gram; with a batch of different style images it is their mean style.
 */
export function styleLoss(generated: readonly tf.Tensor4D[], style: readonly tf.Tensor4D[]): tf.Scalar {
  return tf.addN(
    generated.map((f, i) => {
      const target = tf.mean(gramMatrix(style[i]), 0, true);
      return mseLoss(gramMatrix(f), target);
    }),
  ) as tf.Scalar;
}

export type TvNorm = 'l1' | 'l2';

/**
 * Total variation of N×H×W×C images: differences between vertical and
 * horizontal neighbours, absolute ('l1', anisotropic) or squared ('l2'),
 * summed or averaged over all differences.
 */
export function totalVariation(x: tf.Tensor4D, norm: TvNorm, reduction: 'sum' | 'mean'): tf.Scalar {
  const [n, h, w, c] = x.shape;
  const down = tf.sub(tf.slice(x, [0, 1, 0, 0], [n, h - 1, w, c]), tf.slice(x, [0, 0, 0, 0], [n, h - 1, w, c]));
  const right = tf.sub(tf.slice(x, [0, 0, 1, 0], [n, h, w - 1, c]), tf.slice(x, [0, 0, 0, 0], [n, h, w - 1, c]));
  const penalty = (d: tf.Tensor) => (norm === 'l1' ? tf.abs(d) : tf.square(d));
  const total = tf.add(tf.sum(penalty(down)), tf.sum(penalty(right)));
  if (reduction === 'sum') return total as tf.Scalar;
  return tf.div(total, down.size + right.size) as tf.Scalar;
}

/** λ·‖a − b‖₁ (mean) summed over the pairs given: the cycle and identity losses' shape. */
export function weightedL1Sum(terms: readonly { input: tf.Tensor; target: tf.Tensor; weight: number }[]): tf.Scalar {
  return tf.addN(terms.map((t) => tf.mul(l1Loss(t.input, t.target), t.weight))) as tf.Scalar;
}

/**
 * A per-sample vector N×K spread over an H×W map, N×H×W×K, as
 * y.view(N, K, 1, 1).expand(N, K, H, W): how conditional GANs feed a label to
 * convolutions. Gradients sum over the map.
 */
export function broadcastToMap(vector: tf.Tensor, height: number, width: number): tf.Tensor4D {
  const [n, k] = vector.shape;
  return tf.tile(tf.reshape(vector, [n, 1, 1, k]), [1, height, width, 1]) as tf.Tensor4D;
}

/**
 * `values` standing in for `x` with no gradient flowing back to it (torch's
 * .detach() on what an image pool hands out: stored images no current weight
 * produced, or the new ones detached). The zero gradient keeps x connected,
 * so differentiating through the node gives zeros rather than an error.
 */
export function detachedReplacement(x: tf.Tensor, values: Float32Array): tf.Tensor {
  const replace = tf.customGrad(((input: tf.Tensor) => ({
    value: tf.tensor(values, input.shape, 'float32'),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return replace(x);
}
