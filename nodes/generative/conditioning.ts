/**
 * Conditioning for conditional GANs (Mirza & Osindero): labels turned into
 * maps or learned embeddings, and the generator's noise input.
 */
import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { normal } from '../../core/init';
import { broadcastToMap } from '../../core/ops/generative';
import { expectDense, expectImage } from '../../core/ops/shape';
import { tensorOf } from '../../core/ops/value';
import type { Dim, ValueType } from '../../core/types';
import { noArithmetic, perOutputElement } from '../flops';

/**
 * Labels arrive either as class ids (N, int) or as per-class rows (N×K:
 * one-hot or probabilities, as the labelled datasets provide them).
 */
function labelWidth(labels: ValueType, classes: number): { n: Dim; k: number; ids: boolean } {
  const shape = expectDense(labels, 'labels');
  if (shape.length === 1) {
    if (classes < 1) {
      throw new ShapeError("'labels' are class ids, so the class count is not in the data: set classes", { param: 'classes' });
    }
    return { n: shape[0], k: classes, ids: true };
  }
  if (shape.length === 2 && typeof shape[1] === 'number') return { n: shape[0], k: shape[1], ids: false };
  throw new ShapeError(`'labels' must be class ids N or one-hot rows N×K, got ${shape.join('×')}`, { port: 'labels' });
}

function oneHotRows(labels: tf.Tensor, classes: number): tf.Tensor2D {
  if (labels.rank === 2) return tf.cast(labels, 'float32') as tf.Tensor2D;
  return tf.cast(tf.oneHot(tf.cast(labels, 'int32') as tf.Tensor1D, classes), 'float32') as tf.Tensor2D;
}

export const labelMap = defineNode({
  type: 'condition.label_map',
  version: 1,
  category: 'generative',
  title: 'Label → map',
  doc:
    'Spreads per-image labels over an H×W map, one channel per class: N×K one-hot (or probability) rows, or class ids ' +
    'one-hot encoded with classes, become N×H×W×K, PyTorch y.view(N, K, 1, 1).expand(N, K, H, W). Concatenate the map ' +
    'with an image or feature map (concat node) to condition a convolutional generator or discriminator on the class, ' +
    'as conditional GANs do. Takes H×W from the like input when wired, else from height and width.',
  inputs: {
    labels: { kinds: ['vector', 'labels'], doc: 'Class rows N×K (one-hot) or class ids N.' },
    like: { kinds: ['image'], doc: 'Optional map whose height and width the output takes.', optional: true },
  },
  outputs: {
    output: { kind: 'image', doc: 'Label map N×H×W×K.' },
  },
  params: {
    height: p.int({ default: 1, min: 1, max: 4096, doc: 'Output height when like is unwired.' }),
    width: p.int({ default: 1, min: 1, max: 4096, doc: 'Output width when like is unwired.' }),
    classes: p.int({ default: 0, min: 0, max: 100000, doc: 'Number of classes, needed only for class-id labels (0: taken from one-hot rows).' }),
  },
  inferShape({ inputs, params }) {
    const { n, k } = labelWidth(inputs.labels, params.classes);
    const size = inputs.like ? expectImage(inputs.like, 'like') : { h: params.height, w: params.width };
    return { output: { kind: 'image', shape: [n, size.h, size.w, k] } };
  },
  // Broadcasting one-hot rows over the map is copying.
  flops: noArithmetic,
  build(ctx) {
    const { k } = labelWidth(ctx.inputs.labels, ctx.params.classes);
    const [, h, w] = ctx.outputs.output!.shape as number[];
    return {
      forward: (inputs) => ({ output: broadcastToMap(oneHotRows(tensorOf(inputs.labels, 'labels'), k), h, w) }),
    };
  },
});

export const labelEmbedding = defineNode({
  type: 'condition.embedding',
  version: 1,
  category: 'generative',
  title: 'Label embedding',
  doc:
    'A learned vector per class, PyTorch nn.Embedding(classes, dim) (initialised N(0, 1) as PyTorch does): class ids N ' +
    'pick rows; one-hot or probability rows N×K mix them (rows · table), which equals picking for one-hot. Concatenate ' +
    'the result with the noise vector to condition a generator on a class, or use label → map for convolutional ' +
    'conditioning.',
  inputs: {
    labels: { kinds: ['vector', 'labels'], doc: 'Class ids N or class rows N×K.' },
  },
  outputs: {
    output: { kind: 'vector', doc: 'Embeddings N×dim.' },
  },
  params: {
    classes: p.int({ default: 0, min: 0, max: 100000, doc: 'Number of classes (0: taken from one-hot rows; required for class ids).' }),
    dim: p.int({ default: 16, min: 1, max: 65536, doc: 'Length of each class vector (embedding_dim).' }),
  },
  inferShape({ inputs, params }) {
    const { n, k } = labelWidth(inputs.labels, params.classes);
    if (params.classes > 0 && params.classes !== k) {
      throw new ShapeError(`'labels' rows have ${k} classes but classes is ${params.classes}: make them agree or set classes to 0`, { param: 'classes' });
    }
    return { output: { kind: 'vector', shape: [n, params.dim] } };
  },
  flops({ inputs, params }) {
    // Rows (one-hot or probabilities) times the table.
    return 2 * labelWidth(inputs.labels, params.classes).k * params.dim;
  },
  build(ctx) {
    const { k } = labelWidth(ctx.inputs.labels, ctx.params.classes);
    const table = ctx.weight('embedding', [k, ctx.params.dim], normal(0, 1));
    return {
      forward: (inputs) => ({ output: tf.matMul(oneHotRows(tensorOf(inputs.labels, 'labels'), k), table) }),
    };
  },
});

export const noise = defineNode({
  type: 'noise',
  version: 1,
  category: 'generative',
  title: 'Noise',
  doc:
    'Random input z for a generator, PyTorch torch.randn(N, *shape) (or torch.rand): a fresh draw for every step from ' +
    'the run\'s seeded generator, so runs repeat and resume exactly; previews draw the same noise at the same step. ' +
    'The batch size N comes from the like input (wire any dataset field). Shape [D] gives a vector N×D; [H, W, C] a map.',
  inputs: {
    like: { kinds: ['tensor'], doc: 'Any tensor with the batch as its first dimension, e.g. the dataset\'s labels.' },
  },
  outputs: {
    output: { kind: 'vector', doc: 'Noise N×D, or N×H×W×C for a 3-entry shape.' },
  },
  params: {
    shape: p.ints({ default: [100], minLength: 1, maxLength: 3, min: 1, doc: 'Per-sample shape: [D] for a vector (DCGAN uses 100), [H, W, C] for a map.' }),
    distribution: p.enum({ options: ['normal', 'uniform'], default: 'normal', doc: 'Standard normal N(0, 1), or uniform in [−1, 1).' }),
  },
  inferShape({ inputs, params }) {
    const like = expectDense(inputs.like, 'like');
    if (like.length === 0) throw new ShapeError("'like' is a scalar: wire a tensor whose first dimension is the batch", { port: 'like' });
    if (params.shape.length === 2) {
      throw new ShapeError('shape must have 1 entry (vector N×D) or 3 entries (map N×H×W×C)', { param: 'shape' });
    }
    return { output: { kind: params.shape.length === 1 ? 'vector' : 'image', shape: [like[0], ...params.shape] } };
  },
  // Drawing each value (Box–Muller or a scaled uniform).
  flops: perOutputElement(2),
  build(ctx) {
    const perSample = ctx.params.shape.reduce((a, b) => a * b, 1);
    return {
      forward: (inputs, mode) => {
        const n = tensorOf(inputs.like, 'like').shape[0];
        const values = new Float32Array(n * perSample);
        if (ctx.params.distribution === 'normal') mode.rng.fillNormal(values, 0, 1);
        else mode.rng.fillUniform(values, -1, 1);
        return { output: tf.tensor(values, [n, ...ctx.params.shape], 'float32') };
      },
    };
  },
});
