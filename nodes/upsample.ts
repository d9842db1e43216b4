import { defineNode } from '../core/node-api';
import { tf } from '../core/tf';
import { p } from '../core/params';
import { bilinearResizeWith, interpolationMatrices, nearestUpsample } from '../core/ops/resize';
import { expectImage } from '../core/ops/shape';
import { tensor4dOf } from '../core/ops/value';
import { py } from '../core/export/python';

export const upsample = defineNode({
  type: 'upsample',
  version: 1,
  category: 'layers',
  title: 'Upsample',
  doc:
    'Enlarges a feature map by an integer factor, PyTorch nn.Upsample / F.interpolate(scale_factor=…). "nearest" repeats ' +
    'each pixel (FPN top-down path, hourglass); "bilinear" interpolates with PyTorch\'s mapping, align_corners=False by ' +
    'default (2→4 gives 0, ¼, ¾, 1 of the way between the two inputs), and trains with exact gradients. No weights; ' +
    'follow it with a conv2d for a learned, artefact-free alternative to conv_transpose2d.',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Map N×(scaleFactor·H)×(scaleFactor·W)×C.' },
  },
  params: {
    mode: p.enum({ options: ['nearest', 'bilinear'], default: 'nearest', doc: 'Interpolation: repeat pixels, or blend the four nearest.' }),
    scaleFactor: p.int({ default: 2, min: 1, max: 32, doc: 'How many times larger the output is along height and width.' }),
    alignCorners: p.bool({
      default: false,
      doc: 'Bilinear only: map corner pixel centres onto each other (PyTorch align_corners=True) instead of pixel areas.',
    }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w, c } = expectImage(inputs.input, 'input');
    return { output: { kind: inputs.input.kind, shape: [n, h * params.scaleFactor, w * params.scaleFactor, c] } };
  },
  build(ctx) {
    const { params } = ctx;
    if (params.mode === 'nearest') {
      return { forward: (values) => ({ output: nearestUpsample(tensor4dOf(values.input, 'input'), params.scaleFactor) }) };
    }
    const { h, w } = expectImage(ctx.inputs.input, 'input');
    // Built once and reused every step; tiny next to the activations ([sH×H] and [sW×W]).
    const matrices = interpolationMatrices([h, w], [h * params.scaleFactor, w * params.scaleFactor], params.alignCorners);
    return {
      forward: (values) => ({ output: bilinearResizeWith(tensor4dOf(values.input, 'input'), matrices) }),
      dispose: () => tf.dispose([matrices.rows, matrices.cols]),
    };
  },
  pytorch: {
    forward: ({ in: x, params }) => ({
      output:
        params.mode === 'nearest'
          ? `F.interpolate(${x.input}, scale_factor=${params.scaleFactor}, mode='nearest')`
          : `F.interpolate(${x.input}, scale_factor=${params.scaleFactor}, mode='bilinear', align_corners=${py(params.alignCorners)})`,
    }),
  },
  flops({ inputs, params }) {
    const s = inputs.input.shape;
    if (!s || params.mode === 'nearest') return 0;
    const [, h, w, c] = s as number[];
    const f = params.scaleFactor;
    // Separable 2-tap interpolation: a multiply-add per tap, along H then along W.
    return 2 * 2 * (f * h * w * c + f * h * f * w * c);
  },
});
