/**
 * Elementwise activations. Separate small nodes rather than one node with a
 * mode, because users find them in the palette by name.
 */
import { defineNode } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { expectDense } from '../core/ops/shape';
import { tensorOf } from '../core/ops/value';
import type { ValueType } from '../core/types';
import { perOutputElement } from './flops';
import { py } from '../core/export/python';

const inputs = {
  input: { kinds: ['tensor'], doc: 'Any tensor: feature map, vector or logits.' },
} as const;
const outputs = {
  output: { kind: 'image', doc: 'Same shape and kind as the input.' },
} as const;

/** Shape-preserving nodes hand on the input's own kind, so a vector stays a vector. */
function sameAsInput({ inputs: types }: { inputs: { input: ValueType } }): { output: ValueType } {
  return { output: { kind: types.input.kind, shape: expectDense(types.input, 'input') } };
}

export const relu = defineNode({
  type: 'relu',
  version: 1,
  category: 'layers',
  title: 'ReLU',
  doc: 'Rectified linear unit max(0, x), PyTorch nn.ReLU. The default non-linearity after convolutions and linear layers.',
  inputs,
  outputs,
  params: {},
  inferShape: sameAsInput,
  flops: perOutputElement(1),
  build: () => ({ forward: (values) => ({ output: tf.relu(tensorOf(values.input, 'input')) }) }),
  pytorch: { forward: (a) => ({ output: `F.relu(${a.in.input})` }) },
});

export const leakyRelu = defineNode({
  type: 'leaky_relu',
  version: 1,
  category: 'layers',
  title: 'LeakyReLU',
  doc:
    'Leaky ReLU x for x > 0 and negativeSlope·x otherwise, PyTorch nn.LeakyReLU. The slope defaults to 0.2, the value ' +
    'pix2pix/CycleGAN/DCGAN discriminators use; PyTorch\'s own default is 0.01 and Keras\'s 0.3, so set it explicitly ' +
    'when reproducing a paper. Keeps a gradient for negative inputs, which helps GAN discriminators.',
  inputs,
  outputs,
  params: {
    negativeSlope: p.float({ default: 0.2, torchDefault: 0.01, min: 0, max: 1, doc: 'Multiplier for negative inputs (PyTorch negative_slope; see the node doc for why 0.2).' }),
  },
  inferShape: sameAsInput,
  flops: perOutputElement(2),
  build: ({ params }) => ({
    forward: (values) => ({ output: tf.leakyRelu(tensorOf(values.input, 'input'), params.negativeSlope) }),
  }),
  pytorch: { forward: (a) => ({ output: `F.leaky_relu(${a.in.input}, ${py(a.params.negativeSlope)})` }) },
});

export const tanh = defineNode({
  type: 'tanh',
  version: 1,
  category: 'layers',
  title: 'Tanh',
  doc: 'Hyperbolic tangent, PyTorch nn.Tanh: squashes to (−1, 1). The output layer of image generators whose images are scaled to [−1, 1].',
  inputs,
  outputs,
  params: {},
  inferShape: sameAsInput,
  flops: perOutputElement(4),
  build: () => ({ forward: (values) => ({ output: tf.tanh(tensorOf(values.input, 'input')) }) }),
  pytorch: { forward: (a) => ({ output: `torch.tanh(${a.in.input})` }) },
});

export const sigmoid = defineNode({
  type: 'sigmoid',
  version: 1,
  category: 'layers',
  title: 'Sigmoid',
  doc:
    'Logistic sigmoid 1/(1 + e^−x), PyTorch nn.Sigmoid: squashes to (0, 1) for probabilities and masks. For training a ' +
    'binary classifier feed the raw logits to loss.bce_logits instead, which is numerically stable.',
  inputs,
  outputs,
  params: {},
  inferShape: sameAsInput,
  flops: perOutputElement(4),
  build: () => ({ forward: (values) => ({ output: tf.sigmoid(tensorOf(values.input, 'input')) }) }),
  pytorch: { forward: (a) => ({ output: `torch.sigmoid(${a.in.input})` }) },
});
