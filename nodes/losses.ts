/**
 * Loss nodes. Each outputs a scalar on port 'loss'; training minimises the
 * weighted sum of the losses an optimizer is given. Port names follow
 * PyTorch: 'input' (prediction) and 'target'.
 */
import { defineNode, ShapeError, type Value } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { bceWithLogits, crossEntropy, l1Loss, mseLoss, type Reduction } from '../core/ops/losses';
import { expectDense, shapeDifference } from '../core/ops/shape';
import { tensorOf } from '../core/ops/value';
import { formatShape, type ValueType } from '../core/types';
import { perInputElement } from './flops';
import { py } from '../core/export/python';

const lossOutputs = { loss: { kind: 'loss', doc: 'Scalar loss.' } } as const;
const scalarLoss = (): { loss: ValueType } => ({ loss: { kind: 'loss', shape: [] } });

const reduction = p.enum({
  options: ['mean', 'sum'],
  default: 'mean',
  doc: 'How per-element losses combine: their mean (PyTorch\'s default) or their sum.',
});

const regressionInputs = {
  input: { kinds: ['tensor'], doc: 'Prediction, any shape.' },
  target: {
    kinds: ['tensor'],
    doc: 'Desired values, same shape as input. Leave unwired to compare against the constant target param.',
    optional: true,
  },
} as const;

function checkSameShape(input: ValueType, target: ValueType | undefined): void {
  const shape = expectDense(input, 'input');
  if (!target) return;
  const other = expectDense(target, 'target');
  const diff = shapeDifference(other, shape);
  if (diff) {
    throw new ShapeError(
      `'target' is ${formatShape(other)} but 'input' is ${formatShape(shape)} (${diff} differ): wire a target of the same ` +
        'shape, e.g. resize it with upsample/pooling or change the output channels',
      { port: 'target' },
    );
  }
}

function regressionLoss(
  fn: (input: tf.Tensor, target: tf.Tensor | number, reduction: Reduction) => tf.Scalar,
) {
  return ({ params }: { params: { reduction: Reduction; target: number } }) => ({
    forward: (values: { input: Value; target?: Value }) => {
      const input = tensorOf(values.input, 'input');
      const target = values.target === undefined ? params.target : tensorOf(values.target, 'target');
      return { loss: fn(input, target, params.reduction) };
    },
  });
}

/** losses.py's function of the same name, with the constant target when the target port is unwired. */
function regressionPytorch(fn: string) {
  return (a: { in: Record<string, string>; params: { reduction: Reduction; target: number } }) => ({
    loss: `losses.${fn}(${a.in.input}, ${a.in.target ?? py(a.params.target)}, ${py(a.params.reduction)})`,
  });
}

export const l1 = defineNode({
  type: 'loss.l1',
  version: 1,
  category: 'losses',
  title: 'L1 loss',
  doc:
    'Mean absolute error |input − target|, PyTorch nn.L1Loss. Robust to outliers and gives sharper images than MSE: ' +
    'pix2pix weights it by 100 next to the GAN loss, CycleGAN uses it for cycle and identity consistency.',
  inputs: regressionInputs,
  outputs: lossOutputs,
  params: {
    reduction,
    target: p.float({ default: 0, doc: 'Constant target used when the target port is unwired.' }),
  },
  inferShape({ inputs }) {
    checkSameShape(inputs.input, inputs.target);
    return scalarLoss();
  },
  flops: perInputElement(3),
  build: regressionLoss(l1Loss),
  pytorch: { forward: regressionPytorch('l1_loss') },
});

export const mse = defineNode({
  type: 'loss.mse',
  version: 1,
  category: 'losses',
  title: 'MSE loss',
  doc:
    'Mean squared error (input − target)², PyTorch nn.MSELoss. Regression and heatmap losses (stacked hourglass), and ' +
    'the least-squares GAN loss of CycleGAN: leave the target unwired and set target to 1 for "real", 0 for "fake".',
  inputs: regressionInputs,
  outputs: lossOutputs,
  params: {
    reduction,
    target: p.float({ default: 1, doc: 'Constant target used when the target port is unwired (1 = real, 0 = fake for LSGAN).' }),
  },
  inferShape({ inputs }) {
    checkSameShape(inputs.input, inputs.target);
    return scalarLoss();
  },
  flops: perInputElement(3),
  build: regressionLoss(mseLoss),
  pytorch: { forward: regressionPytorch('mse_loss') },
});

export const bceLogits = defineNode({
  type: 'loss.bce_logits',
  version: 2,
  category: 'losses',
  title: 'BCE with logits',
  doc:
    'Binary cross-entropy of raw logits against targets in [0, 1], PyTorch nn.BCEWithLogitsLoss, computed in the stable ' +
    'form max(x, 0) − x·z + log(1 + e^−|x|), finite for any logit and accurate for confident ones. Binary and multi-label classification, mask heads, ' +
    'and the vanilla GAN loss: leave the target unwired and set target 1 for "real", 0 for "fake". Do not put a sigmoid ' +
    'before it.',
  inputs: {
    input: { kinds: ['tensor'], doc: 'Logits (before any sigmoid), any shape.' },
    target: {
      kinds: ['tensor'],
      doc: 'Target probabilities, same shape as input. Leave unwired to use the constant target param.',
      optional: true,
    },
  },
  outputs: lossOutputs,
  params: {
    reduction,
    target: p.float({ default: 1, min: 0, max: 1, doc: 'Constant target used when the target port is unwired (1 = real, 0 = fake).' }),
    posWeight: p.float({
      default: 1,
      min: 0,
      max: 1000,
      doc:
        'Weight of the positive term, PyTorch pos_weight: loss = (1 − t)·x + (1 + (posWeight − 1)·t)·log(1 + e^−x). ' +
        'Above 1 favours recall on rare positives, e.g. #negatives / #positives for sparse masks.',
    }),
  },
  // Version 2 added posWeight; version 1 files weighted both terms equally.
  migrations: { 1: (params) => ({ ...params, posWeight: 1 }) },
  inferShape({ inputs }) {
    checkSameShape(inputs.input, inputs.target);
    return scalarLoss();
  },
  flops: perInputElement(6),
  build: ({ params }) => ({
    forward: (values) => {
      const input = tensorOf(values.input, 'input');
      const target = values.target === undefined ? params.target : tensorOf(values.target, 'target');
      return { loss: bceWithLogits(input, target, params.reduction, params.posWeight) };
    },
  }),
  pytorch: {
    forward: (a) => ({
      loss: `losses.bce_with_logits(${a.in.input}, ${a.in.target ?? py(a.params.target)}, ${py(a.params.reduction)}, ${py(a.params.posWeight)})`,
    }),
  },
});

export const crossEntropyLoss = defineNode({
  type: 'loss.cross_entropy',
  version: 1,
  category: 'losses',
  title: 'Cross-entropy loss',
  doc:
    'Softmax cross-entropy over the channel (last) axis, PyTorch nn.CrossEntropyLoss. Input: logits N×C (classification) ' +
    'or N×H×W×C (semantic segmentation). Target: integer class ids N or N×H×W, or class probabilities of the same shape ' +
    'as the input. Optional per-class weights; with ignoreIndex set (255 is the usual "void" label of VOC and Cityscapes), ' +
    'those pixels count neither in the sum nor in the mean. The default −1 ignores nothing (PyTorch uses −100); labels ' +
    'outside 0…C−1 also contribute nothing. A batch with nothing left to count gives 0, not NaN.',
  inputs: {
    input: { kinds: ['vector', 'image'], doc: 'Unnormalised class scores (logits), classes on the last axis.' },
    target: { kinds: ['labels', 'vector', 'image'], doc: 'Class ids (input shape without the class axis) or class probabilities (input shape).' },
  },
  outputs: lossOutputs,
  params: {
    weights: p.floats({
      default: [],
      min: 0,
      doc: 'Per-class weights (PyTorch weight), one per class; empty weighs all classes equally.',
    }),
    ignoreIndex: p.int({ default: -1, min: -1, doc: 'Label that contributes nothing, e.g. 255 for void pixels; -1 ignores nothing.' }),
    reduction,
  },
  inferShape({ inputs, params }) {
    const shape = expectDense(inputs.input, 'input');
    if (shape.length !== 2 && shape.length !== 4) {
      throw new ShapeError(
        `'input' is ${formatShape(shape)}: cross-entropy takes logits N×C or N×H×W×C with classes on the last axis`,
        { port: 'input' },
      );
    }
    const classes = shape[shape.length - 1];
    const target = expectDense(inputs.target, 'target');
    const labelShape = shape.slice(0, -1);
    const asLabels = target.length === labelShape.length ? shapeDifference(target, labelShape) : 'rank';
    const asProbabilities = target.length === shape.length ? shapeDifference(target, shape) : 'rank';
    if (asLabels !== null && asProbabilities !== null) {
      const hint = target.length === labelShape.length ? ` (${asLabels})` : target.length === shape.length ? ` (${asProbabilities})` : '';
      throw new ShapeError(
        `'target' is ${formatShape(target)} but logits ${formatShape(shape)} need class ids ${formatShape(labelShape)} ` +
          `or probabilities ${formatShape(shape)}${hint}: upsample the logits to the label size or fix the class count`,
        { port: 'target' },
      );
    }
    if (params.weights.length > 0 && params.weights.length !== classes) {
      throw new ShapeError(`weights has ${params.weights.length} entries but the logits have ${classes} classes: give one weight per class`, {
        param: 'weights',
      });
    }
    return scalarLoss();
  },
  // Log-softmax (exp, sum, log, subtract) and the pick, per logit.
  flops: perInputElement(5),
  build: ({ params }) => {
    const weights = params.weights.length > 0 ? tf.tensor1d(params.weights, 'float32') : null;
    const options = { weights, ignoreIndex: params.ignoreIndex >= 0 ? params.ignoreIndex : undefined, reduction: params.reduction };
    return {
      forward: (values) => ({
        loss: crossEntropy(tensorOf(values.input, 'input'), tensorOf(values.target, 'target'), options),
      }),
      dispose: () => weights?.dispose(),
    };
  },
  pytorch: {
    forward: (a) => ({
      loss: `losses.cross_entropy(${a.in.input}, ${a.in.target}, weights=${a.params.weights.length > 0 ? py(a.params.weights) : 'None'}, ignore_index=${a.params.ignoreIndex}, reduction=${py(a.params.reduction)})`,
    }),
  },
});
