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
 * The elementwise BCE of logits x against targets t with PyTorch's
 * pos_weight p (log weight w = 1 + (p − 1)·t):
 *   (1 − t)·x + w·softplus(−x) = max(x, 0) − x·t + w·log(1 + e^−|x|) + (p − 1)·t·max(−x, 0),
 * the second form keeping tiny losses tiny: softplus-based forms returned
 * exactly 0 for x = 20, t = 1, where the loss is 2·10⁻⁹. The gradient is
 * written out, w·σ(x) − p·t = (1 − t)·σ(x) − p·t·σ(−x), because the kinks
 * of max and |x| give the wrong one at x = 0, and in the second form so that
 * it too stays tiny rather than σ(20) − 1 = 0.
 */
function bceCore(posWeight: number) {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, t, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, t]);
    const logTerm = tf.log1p(tf.exp(tf.neg(tf.abs(x))));
    let value = tf.add(tf.sub(tf.relu(x), tf.mul(x, t)), posWeight === 1 ? logTerm : tf.mul(logTerm, tf.add(tf.mul(t, posWeight - 1), 1)));
    if (posWeight !== 1) value = tf.add(value, tf.mul(tf.mul(t, posWeight - 1), tf.relu(tf.neg(x))));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, st] = saved;
        const dx = tf.mul(dy, tf.sub(tf.mul(tf.sub(1, st), tf.sigmoid(sx)), tf.mul(tf.mul(st, posWeight), tf.sigmoid(tf.neg(sx)))));
        // ∂/∂t = −x + (p − 1)·softplus(−x); softplus(−x) = max(−x, 0) + log(1 + e^−|x|).
        let dt = tf.neg(sx);
        if (posWeight !== 1) dt = tf.add(dt, tf.mul(tf.add(tf.relu(tf.neg(sx)), tf.log1p(tf.exp(tf.neg(tf.abs(sx))))), posWeight - 1));
        return [dx, tf.mul(dy, dt)];
      },
    };
  });
}

/** Elementwise nn.BCEWithLogitsLoss (reduction 'none'); `posWeight` is its pos_weight, weighting the positive term. */
export function bceWithLogitsElementwise(logits: tf.Tensor, target: tf.Tensor | number, posWeight = 1): tf.Tensor {
  const t = typeof target === 'number' ? tf.fill(logits.shape, target) : tf.broadcastTo(target, logits.shape);
  return bceCore(posWeight)(logits, t);
}

/** nn.BCEWithLogitsLoss. */
export function bceWithLogits(logits: tf.Tensor, target: tf.Tensor | number, reduction: Reduction = 'mean', posWeight = 1): tf.Scalar {
  return reduce(bceWithLogitsElementwise(logits, target, posWeight), reduction);
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
