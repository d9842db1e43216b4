import { defineNode, ShapeError } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { expectImage } from '../core/ops/shape';
import { tensor4dOf } from '../core/ops/value';
import { noArithmetic } from './flops';

export const reflectionPad2d = defineNode({
  type: 'reflection_pad2d',
  version: 1,
  category: 'layers',
  title: 'ReflectionPad2d',
  doc:
    'Pads height and width by mirroring the map at its border without repeating the edge pixel, PyTorch nn.ReflectionPad2d ' +
    '(tf.mirrorPad "reflect"). Put it before a padding-0 conv2d to avoid the dark borders zero padding causes in image ' +
    'generators (CycleGAN\'s ResNet generator pads 3 before its 7×7 convs and 1 inside residual blocks).',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Map N×(H+2·padding)×(W+2·padding)×C.' },
  },
  params: {
    padding: p.int({ default: 1, min: 0, max: 64, doc: 'Pixels added on every side; must be smaller than the height and width.' }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w, c } = expectImage(inputs.input, 'input');
    if (params.padding >= h || params.padding >= w) {
      throw new ShapeError(
        `reflection padding of ${params.padding} needs a map larger than that, got ${h}×${w}: lower padding or pad an earlier, larger map`,
        { param: 'padding' },
      );
    }
    return { output: { kind: inputs.input.kind, shape: [n, h + 2 * params.padding, w + 2 * params.padding, c] } };
  },
  flops: noArithmetic,
  build({ params }) {
    const pad = params.padding;
    return {
      forward: (values) => ({
        output: pad === 0 ? tensor4dOf(values.input, 'input') : tf.mirrorPad(tensor4dOf(values.input, 'input'), [[0, 0], [pad, pad], [pad, pad], [0, 0]], 'reflect'),
      }),
    };
  },
  pytorch: {
    forward: ({ in: x, params }) => ({ output: params.padding === 0 ? x.input : `F.pad(${x.input}, (${Array(4).fill(params.padding).join(', ')}), mode='reflect')` }),
  },
});
