import { defineNode, ShapeError } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { avgPool2dTorch, avgPoolScale, maxPool2dTorch } from '../core/ops/pool';
import { expectImage, poolOutputSize } from '../core/ops/shape';
import { tensor4dOf } from '../core/ops/value';
import type { ValueType } from '../core/types';
import { py } from '../core/export/python';

const inputs = { input: { kinds: ['image'], doc: 'Feature map N×H×W×C.' } } as const;
const outputs = { output: { kind: 'image', doc: 'Pooled map N×H_out×W_out×C.' } } as const;

const poolParams = {
  kernelSize: p.int({ default: 2, min: 1, max: 32, doc: 'Window height and width in pixels.' }),
  stride: p.int({
    default: 2,
    min: 1,
    max: 32,
    doc: 'Step between windows. PyTorch defaults it to kernelSize; set it explicitly when you change the kernel.',
  }),
  padding: p.int({ default: 0, min: 0, max: 16, doc: 'Implicit padding on every side; at most half the kernel (PyTorch\'s rule).' }),
  ceilMode: p.bool({
    default: false,
    doc:
      'Round the output size up (PyTorch ceil_mode), keeping a last partial window at the bottom/right instead of dropping ' +
      'those pixels; a window that would start inside the right padding is still dropped.',
  }),
};

/** Version 2 added ceilMode; files from version 1 pooled in floor mode. */
const migrations = { 1: (params: Record<string, unknown>) => ({ ...params, ceilMode: false }) };

function pooledShape(input: ValueType, params: { kernelSize: number; stride: number; padding: number; ceilMode: boolean }): { output: ValueType } {
  const { n, h, w, c } = expectImage(input, 'input');
  if (2 * params.padding > params.kernelSize) {
    throw new ShapeError(`padding ${params.padding} exceeds half the kernel size ${params.kernelSize}: lower padding`, { param: 'padding' });
  }
  if (h + 2 * params.padding < params.kernelSize || w + 2 * params.padding < params.kernelSize) {
    throw new ShapeError(
      `input 'input' is ${h}×${w}, smaller than the ${params.kernelSize}×${params.kernelSize} window: lower kernelSize or pool an earlier, larger map`,
      { port: 'input' },
    );
  }
  const outH = poolOutputSize(h, params.kernelSize, params.stride, params.padding, params.ceilMode);
  const outW = poolOutputSize(w, params.kernelSize, params.stride, params.padding, params.ceilMode);
  return { output: { kind: input.kind, shape: [n, outH, outW, c] } };
}

export const maxPool2d = defineNode({
  type: 'maxpool2d',
  version: 2,
  category: 'layers',
  title: 'MaxPool2d',
  doc:
    'Max pooling, PyTorch nn.MaxPool2d (floor mode, or ceil mode with ceilMode): the largest value in each kernelSize×kernelSize window; padded ' +
    'positions never win. Down-samples while keeping the strongest responses, e.g. 2×2 stride 2 halves H and W; ' +
    'kernel 3 stride 1 padding 1 keeps the size (the peak-finding "NMS" of CenterNet).',
  inputs,
  outputs,
  params: poolParams,
  migrations,
  inferShape: ({ inputs: types, params }) => pooledShape(types.input, params),
  build: ({ params }) => ({
    forward: (values) => ({
      output: maxPool2dTorch(tensor4dOf(values.input, 'input'), {
        kernel: params.kernelSize,
        stride: params.stride,
        padding: params.padding,
        ceilMode: params.ceilMode,
      }),
    }),
  }),
  pytorch: {
    forward: ({ in: x, params }) => ({ output: `F.max_pool2d(${x.input}, ${params.kernelSize}, stride=${params.stride}, padding=${params.padding}${params.ceilMode ? ', ceil_mode=True' : ''})` }),
  },
  flops: ({ outputs: types, params }) => {
    const s = types.output?.shape;
    return s ? (s[1] as number) * (s[2] as number) * (s[3] as number) * params.kernelSize * params.kernelSize : 0;
  },
});

export const avgPool2d = defineNode({
  type: 'avgpool2d',
  version: 2,
  category: 'layers',
  title: 'AvgPool2d',
  doc:
    'Average pooling, PyTorch nn.AvgPool2d (floor mode, or ceil mode with ceilMode): the mean of each kernelSize×kernelSize window. With padding, ' +
    'PyTorch\'s default count_include_pad=True divides by the full window, so padded zeros pull border averages down; ' +
    'turn countIncludePad off to average only the real pixels. A smooth down-sampling, e.g. for multi-scale discriminators.',
  inputs,
  outputs,
  params: {
    ...poolParams,
    countIncludePad: p.bool({
      default: true,
      doc: 'Count padded zeros in the divisor (PyTorch\'s default); off averages only the pixels inside the map.',
    }),
  },
  migrations,
  inferShape: ({ inputs: types, params }) => pooledShape(types.input, params),
  build: (ctx) => {
    const { params } = ctx;
    const options = {
      kernel: params.kernelSize,
      stride: params.stride,
      padding: params.padding,
      ceilMode: params.ceilMode,
      countIncludePad: params.countIncludePad,
    };
    // The divisor depends only on the map size, so its correction is built once.
    const { h, w } = expectImage(ctx.inputs.input, 'input');
    const values = avgPoolScale(h, w, options);
    const outH = poolOutputSize(h, params.kernelSize, params.stride, params.padding, params.ceilMode);
    const scale = values && tf.tensor4d(values, [1, outH, values.length / outH, 1]);
    return {
      forward: (values) => ({ output: avgPool2dTorch(tensor4dOf(values.input, 'input'), options, scale) }),
      dispose: () => scale?.dispose(),
    };
  },
  pytorch: {
    forward: ({ in: x, params }) => ({
      output: `F.avg_pool2d(${x.input}, ${params.kernelSize}, stride=${params.stride}, padding=${params.padding}, count_include_pad=${py(params.countIncludePad)}${params.ceilMode ? ', ceil_mode=True' : ''})`,
    }),
  },
  flops: ({ outputs: types, params }) => {
    const s = types.output?.shape;
    return s ? (s[1] as number) * (s[2] as number) * (s[3] as number) * params.kernelSize * params.kernelSize : 0;
  },
});
