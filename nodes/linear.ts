import { defineNode } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { pytorchDefault } from '../core/init';
import { expectVector } from '../core/ops/shape';
import { tensorOf } from '../core/ops/value';
import { py } from '../core/export/python';

export const linear = defineNode({
  type: 'linear',
  version: 1,
  category: 'layers',
  title: 'Linear (dense)',
  doc:
    'Fully connected layer y = x·W + b, PyTorch nn.Linear (Keras Dense), on N×D vectors; the input size is taken from the ' +
    'wire. The weight is stored D×outFeatures (the transpose of PyTorch\'s out×in) and initialised as PyTorch does. ' +
    'Classifier heads, MLPs, the box head of two-stage detectors; flatten a feature map first.',
  inputs: {
    // 'image' too because shape-preserving nodes (relu, dropout…) declare image outputs even when they carry vectors;
    // the shape rule still insists on N×D and suggests flatten for a map.
    input: { kinds: ['vector', 'image'], doc: 'Vector N×D; flatten a feature map first.' },
  },
  outputs: {
    output: { kind: 'vector', doc: 'Vector N×outFeatures.' },
  },
  params: {
    outFeatures: p.int({ default: 128, min: 1, max: 1 << 20, doc: 'Output size per sample.' }),
    bias: p.bool({ default: true, doc: 'Add a learned bias per output.' }),
  },
  inferShape({ inputs, params }) {
    const { n } = expectVector(inputs.input, 'input');
    return { output: { kind: 'vector', shape: [n, params.outFeatures] } };
  },
  build(ctx) {
    const { params } = ctx;
    const { d } = expectVector(ctx.inputs.input, 'input');
    const kernel = ctx.weight('kernel', [d, params.outFeatures], pytorchDefault(d));
    const bias = params.bias ? ctx.weight('bias', [params.outFeatures], pytorchDefault(d)) : null;
    return {
      forward: (values) => {
        const y = tf.matMul(tensorOf(values.input, 'input'), kernel);
        return { output: bias ? tf.add(y, bias) : y };
      },
    };
  },
  pytorch: {
    module: ({ params, inputs }) => `nn.Linear(${inputs.input?.shape?.[1]}, ${params.outFeatures}, bias=${py(params.bias)})`,
    forward: (a) => ({ output: `${a.module}(${a.in.input})` }),
    // Ours in×out (x·W), PyTorch's out×in (x·Wᵀ).
    weights: { kernel: { name: 'weight', permute: [1, 0] }, bias: { name: 'bias' } },
  },
  flops({ inputs, params }) {
    const d = inputs.input.shape?.[1];
    return typeof d === 'number' ? 2 * d * params.outFeatures : 0;
  },
});
