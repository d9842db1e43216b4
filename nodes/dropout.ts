import { defineNode } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { expectDense } from '../core/ops/shape';
import { tensorOf } from '../core/ops/value';
import type { Rng } from '../core/rng';
import { perOutputElement } from './flops';
import { py } from '../core/export/python';

/** Inverted-dropout mask: 0 with probability `rate`, else 1/(1 − rate), so the expected value is unchanged. */
export function dropoutMask(size: number, rate: number, rng: Rng): Float32Array {
  const mask = new Float32Array(size);
  if (rate >= 1) return mask;
  const keep = 1 / (1 - rate);
  for (let i = 0; i < size; i++) mask[i] = rng.next() < rate ? 0 : keep;
  return mask;
}

export const dropout = defineNode({
  type: 'dropout',
  version: 1,
  category: 'layers',
  title: 'Dropout',
  doc:
    'Randomly zeroes each value with probability p during training and scales the survivors by 1/(1−p) (inverted dropout), ' +
    'PyTorch nn.Dropout; the identity in evaluation. Masks come from the run\'s seeded generator, so a run and its resumed ' +
    'copy drop the same values. Regularises classifiers; pix2pix uses p 0.5 in its innermost decoder blocks as the ' +
    'generator\'s noise source.',
  inputs: {
    input: { kinds: ['tensor'], doc: 'Any tensor.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Same shape and kind as the input.' },
  },
  params: {
    p: p.float({ default: 0.5, min: 0, max: 1, doc: 'Probability of zeroing each value during training.' }),
  },
  inferShape: ({ inputs }) => ({ output: { kind: inputs.input.kind, shape: expectDense(inputs.input, 'input') } }),
  flops: perOutputElement(1),
  build: ({ params }) => ({
    forward: (values, mode) => {
      const x = tensorOf(values.input, 'input');
      if (!mode.training || params.p === 0) return { output: x };
      return { output: tf.mul(x, tf.tensor(dropoutMask(x.size, params.p, mode.rng), x.shape, 'float32')) };
    },
  }),
  // PyTorch draws its own masks: the same rate, not the same dropped values as our seeded generator.
  pytorch: { forward: (a) => ({ output: `F.dropout(${a.in.input}, ${py(a.params.p)}, ${a.training})` }) },
});
