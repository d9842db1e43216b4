/**
 * Nodes that change a tensor's shape without touching its values.
 */
import { defineNode, ShapeError } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { expectDense } from '../core/ops/shape';
import { tensorOf } from '../core/ops/value';
import { formatShape, shapeSize, type PortKind } from '../core/types';
import { noArithmetic } from './flops';

export const flatten = defineNode({
  type: 'flatten',
  version: 1,
  category: 'layers',
  title: 'Flatten',
  doc:
    'Turns each sample into one vector, nn.Flatten: N×H×W×C becomes N×(H·W·C). Values are taken in channels-last order ' +
    '(H, then W, then C), whereas PyTorch flattens N×C×H×W as C, H, W, so a linear layer after it holds the same ' +
    'weights in a different order and PyTorch weights cannot be copied in directly. Put it between convolutions and ' +
    'linear layers.',
  inputs: {
    input: { kinds: ['tensor'], doc: 'Any tensor with a batch axis first, typically a feature map.' },
  },
  outputs: {
    output: { kind: 'vector', doc: 'Vector N×(product of the other dims).' },
  },
  params: {},
  inferShape({ inputs }) {
    const shape = expectDense(inputs.input, 'input');
    if (shape.length < 2) {
      throw new ShapeError(`input 'input' is ${formatShape(shape)}: flatten needs a batch axis and at least one more`, { port: 'input' });
    }
    const rest = shape.slice(1);
    if (rest.some((d) => typeof d !== 'number')) {
      throw new ShapeError(`input 'input' is ${formatShape(shape)}: only the batch may be symbolic when flattening`, { port: 'input' });
    }
    return { output: { kind: 'vector', shape: [shape[0], shapeSize(rest)] } };
  },
  flops: noArithmetic,
  build: () => ({
    forward: (values) => {
      const x = tensorOf(values.input, 'input');
      return { output: tf.reshape(x, [x.shape[0], -1]) };
    },
  }),
  // PyTorch maps are N×C×H×W: back to channels last first, so the values keep our order (and a following linear its weights).
  pytorch: {
    forward: (a) => ({ output: a.inputs.input?.shape?.length === 4 ? `${a.in.input}.permute(0, 2, 3, 1).flatten(1)` : `${a.in.input}.flatten(1)` }),
  },
});

const KIND_BY_RANK: Record<number, PortKind> = { 1: 'vector', 3: 'image' };

export const reshape = defineNode({
  type: 'reshape',
  version: 1,
  category: 'layers',
  title: 'Reshape',
  doc:
    'Gives each sample a new shape with the same number of values, torch.reshape on all but the batch axis: shape [4, 4, 64] ' +
    'turns N×1024 into N×4×4×64 (a feature map, channels last), [-1] flattens. One entry may be -1 to be inferred. ' +
    'Values are read and written in channels-last order; use it to feed a linear layer\'s output to convolutions (DCGAN generators).',
  inputs: {
    input: { kinds: ['tensor'], doc: 'Any tensor with a batch axis first.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'N×shape: a feature map for 3 entries, a vector for 1.' },
  },
  params: {
    shape: p.ints({
      default: [-1],
      minLength: 1,
      maxLength: 5,
      min: -1,
      doc: 'Per-sample target shape, batch excluded, e.g. [4, 4, 64] for H×W×C. At most one -1, inferred from the size.',
    }),
  },
  inferShape({ inputs, params }) {
    const shape = expectDense(inputs.input, 'input');
    const rest = shape.slice(1);
    if (shape.length < 1 || rest.some((d) => typeof d !== 'number')) {
      throw new ShapeError(`input 'input' is ${formatShape(shape)}: only the batch may be symbolic when reshaping`, { port: 'input' });
    }
    const size = shapeSize(rest);
    const target = params.shape;
    const free = target.filter((d) => d === -1).length;
    if (free > 1) throw new ShapeError('shape has more than one -1: give all but one size explicitly', { param: 'shape' });
    if (target.includes(0)) throw new ShapeError('shape has a 0 entry: every size must be at least 1 (or -1 to infer)', { param: 'shape' });
    const known = target.reduce((acc, d) => (d === -1 ? acc : acc * d), 1);
    const resolved = target.map((d) => (d === -1 ? size / known : d));
    if (free === 1 ? size % known !== 0 : known !== size) {
      throw new ShapeError(
        `cannot reshape ${size} values per sample (${formatShape(rest)}) into [${target.join(', ')}]: ` +
          `the product of shape must be ${size}`,
        { param: 'shape' },
      );
    }
    return { output: { kind: KIND_BY_RANK[resolved.length] ?? 'tensor', shape: [shape[0], ...resolved] } };
  },
  flops: noArithmetic,
  build: ({ params }) => ({
    forward: (values) => {
      const x = tensorOf(values.input, 'input');
      return { output: tf.reshape(x, [x.shape[0], ...params.shape]) };
    },
  }),
  pytorch: {
    forward: (a) => {
      const source = a.inputs.input?.shape?.length === 4 ? `${a.in.input}.permute(0, 2, 3, 1)` : a.in.input;
      const target = a.outputs.output?.shape ?? [];
      const reshaped = `${source}.reshape(${source}.shape[0], ${a.params.shape.join(', ')})`;
      return { output: target.length === 4 ? `${reshaped}.permute(0, 3, 1, 2)` : reshaped };
    },
  },
});
