/**
 * Loss functions with PyTorch's definitions and reductions.
 */
import { tf } from '../tf';

export type Reduction = 'mean' | 'sum';

function reduce(perElement: tf.Tensor, reduction: Reduction): tf.Scalar {
  return reduction === 'sum' ? tf.sum(perElement) : tf.mean(perElement);
}

/** nn.L1Loss. `target` may be a tensor of the same shape or a constant. */
export function l1Loss(input: tf.Tensor, target: tf.Tensor | number, reduction: Reduction = 'mean'): tf.Scalar {
  return reduce(tf.abs(tf.sub(input, target)), reduction);
}

/** nn.MSELoss. */
export function mseLoss(input: tf.Tensor, target: tf.Tensor | number, reduction: Reduction = 'mean'): tf.Scalar {
  return reduce(tf.squaredDifference(input, target), reduction);
}

/**
 * Elementwise binary cross-entropy of logits x against targets z,
 * softplus(x) − x·z, which equals max(x, 0) − x·z + log(1 + e^−|x|): finite
 * for any logit. Written with softplus rather than relu and abs so the
 * gradient at x = 0 is the true σ(0) − z rather than −z.
 */
export function bceWithLogitsElementwise(logits: tf.Tensor, target: tf.Tensor | number): tf.Tensor {
  return tf.sub(tf.softplus(logits), tf.mul(logits, target));
}

/** nn.BCEWithLogitsLoss. */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor | number, reduction: Reduction = 'mean'): tf.Scalar {
  return reduce(bceWithLogitsElementwise(logits, target), reduction);
}

export interface CrossEntropyOptions {
  /** Per-class weights [C], as nn.CrossEntropyLoss's `weight`. */
  weights?: tf.Tensor | null;
  /** Labels equal to this contribute nothing, to the sum or to the mean's denominator. */
  ignoreIndex?: number;
  reduction?: Reduction;
}

/**
 * nn.CrossEntropyLoss with the class axis last: logits [..., C] and either
 * integer labels [...] (class ids) or probabilities [..., C].
 *
 * With labels, the mean is Σ w[yᵢ]·lossᵢ / Σ w[yᵢ] over non-ignored elements,
 * as PyTorch; a batch whose labels are all ignored gives 0 rather than
 * PyTorch's NaN, so one empty crop does not poison training. Labels outside
 * [0, C) one-hot to zero and so count as ignored. With probabilities, the
 * mean is over elements, weights scaling each class's term.
 */
export function crossEntropy(logits: tf.Tensor, target: tf.Tensor, options: CrossEntropyOptions = {}): tf.Scalar {
  const reduction = options.reduction ?? 'mean';
  const classes = logits.shape[logits.shape.length - 1];
  const flatLogits = tf.reshape(logits, [-1, classes]);
  const logProbs = tf.logSoftmax(flatLogits);
  const weights = options.weights ?? null;
  if (target.shape.length === logits.shape.length) {
    let terms = tf.mul(tf.reshape(target, [-1, classes]), logProbs);
    if (weights) terms = tf.mul(terms, weights);
    return reduce(tf.neg(tf.sum(terms, 1)), reduction);
  }
  const labels = tf.cast(tf.reshape(target, [-1]), 'int32');
  let sampleWeights = tf.cast(tf.oneHot(labels, classes), 'float32');
  if (options.ignoreIndex !== undefined && options.ignoreIndex >= 0 && options.ignoreIndex < classes) {
    sampleWeights = tf.mul(sampleWeights, tf.expandDims(tf.cast(tf.notEqual(labels, options.ignoreIndex), 'float32'), 1));
  }
  if (weights) sampleWeights = tf.mul(sampleWeights, weights);
  // Rows of sampleWeights hold w[yᵢ] at yᵢ and zeros elsewhere, so one product picks and weights each −log p.
  const total = tf.neg(tf.sum(tf.mul(sampleWeights, logProbs)));
  if (reduction === 'sum') return total as tf.Scalar;
  return tf.div(total, tf.maximum(tf.sum(sampleWeights), 1e-12)) as tf.Scalar;
}
