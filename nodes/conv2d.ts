import { defineNode, ShapeError } from '../core/node-api';
import { p } from '../core/params';
import { pytorchDefault } from '../core/init';
import { conv2dTorch } from '../core/ops/conv';
import { convOutputSize, dilatedKernelSize, expectImage } from '../core/ops/shape';
import { tensor4dOf } from '../core/ops/value';
import { py } from '../core/export/python';

export const conv2d = defineNode({
  type: 'conv2d',
  version: 2,
  category: 'layers',
  title: 'Conv2d',
  doc:
    'A 2-D convolution, PyTorch nn.Conv2d: each output channel is a learned kernelSize×kernelSize filter slid over the input ' +
    'with the given stride, padding and dilation; output size ⌊(H + 2·padding − dilation·(kernelSize−1) − 1)/stride⌋ + 1. ' +
    'Input channels are taken from the wired input. Padding is explicit and symmetric exactly as in PyTorch (TensorFlow\'s ' +
    '"same" differs for strided and even kernels), so architectures and sizes transfer one to one; kernels are stored ' +
    'H×W×(in/groups)×out. One default differs from PyTorch on purpose: padding is 1 (PyTorch: 0), so the default 3×3 ' +
    'conv keeps the map size. The workhorse of every image model: feature extraction, down-sampling (stride 2), 1×1 ' +
    'channel mixing; with groups, grouped (ResNeXt) and depthwise (MobileNet: groups = input channels) convolutions.',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C_in.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Feature map N×H_out×W_out×outChannels.' },
  },
  params: {
    outChannels: p.int({ default: 64, min: 1, max: 16384, doc: 'Number of filters, i.e. output channels.' }),
    kernelSize: p.int({ default: 3, min: 1, max: 31, doc: 'Filter height and width in pixels (PyTorch has no default: kernel_size is required).' }),
    stride: p.int({ default: 1, min: 1, max: 16, doc: 'Step between filter positions; 2 halves the resolution.' }),
    padding: p.int({
      default: 1,
      torchDefault: 0,
      min: 0,
      max: 64,
      doc:
        'Pixels added on every side before convolving (PyTorch padding). (kernelSize−1)/2 keeps the size at stride 1. ' +
        'Defaults to 1, not PyTorch\'s 0: with the default 3×3 kernel that keeps the map size, which the blocks built on a ' +
        'canvas (U-Nets, ResNets, VGG stacks) want; write "padding": 0 when porting an nn.Conv2d that leaves it out.',
    }),
    paddingMode: p.enum({
      options: ['zeros', 'reflect'],
      default: 'zeros',
      doc: 'What the padding holds: zeros, or a mirror image of the border without repeating the edge (PyTorch padding_mode).',
    }),
    dilation: p.int({
      default: 1,
      min: 1,
      max: 16,
      doc: 'Spacing between filter taps (atrous convolution); the filter covers dilation·(kernelSize−1)+1 pixels.',
    }),
    groups: p.int({
      default: 1,
      min: 1,
      max: 16384,
      doc:
        'Split input and output channels into this many groups convolved separately (PyTorch groups); both channel counts ' +
        'must divide by it. Input channels = groups makes a depthwise convolution.',
    }),
    bias: p.bool({ default: true, doc: 'Add a learned per-channel bias; turn off when a normalisation layer follows.' }),
  },
  // Version 2 added groups; version 1 convolutions were all ungrouped.
  migrations: { 1: (params) => ({ ...params, groups: 1 }) },
  inferShape({ inputs, params }) {
    const { n, h, w, c } = expectImage(inputs.input, 'input');
    if (c % params.groups !== 0 || params.outChannels % params.groups !== 0) {
      throw new ShapeError(
        `groups ${params.groups} must divide both the ${c} input channels and outChannels ${params.outChannels}: ` +
          `use a common divisor such as ${gcd(c, params.outChannels)}, or 1`,
        { param: 'groups' },
      );
    }
    const span = dilatedKernelSize(params.kernelSize, params.dilation);
    if (h + 2 * params.padding < span || w + 2 * params.padding < span) {
      throw new ShapeError(
        `input 'input' is ${h}×${w}, smaller than the ${span}×${span} filter span even with padding ${params.padding}: ` +
          'lower kernelSize or dilation, raise padding, or feed a larger map',
        { port: 'input' },
      );
    }
    if (params.paddingMode === 'reflect' && (params.padding >= h || params.padding >= w)) {
      throw new ShapeError(
        `reflect padding of ${params.padding} needs a map larger than that on both sides, got ${h}×${w}: lower padding or use zeros`,
        { param: 'padding' },
      );
    }
    const outH = convOutputSize(h, params.kernelSize, params.stride, params.padding, params.dilation);
    const outW = convOutputSize(w, params.kernelSize, params.stride, params.padding, params.dilation);
    return { output: { kind: 'image', shape: [n, outH, outW, params.outChannels] } };
  },
  build(ctx) {
    const { params } = ctx;
    const inChannels = expectImage(ctx.inputs.input, 'input').c;
    const k = params.kernelSize;
    const groupIn = inChannels / params.groups;
    const fanIn = groupIn * k * k;
    const kernel = ctx.weight('kernel', [k, k, groupIn, params.outChannels], pytorchDefault(fanIn));
    const bias = params.bias ? ctx.weight('bias', [params.outChannels], pytorchDefault(fanIn)) : null;
    const options = { stride: params.stride, padding: params.padding, dilation: params.dilation, paddingMode: params.paddingMode, groups: params.groups };
    return {
      forward: (inputs) => ({
        output: conv2dTorch(tensor4dOf(inputs.input, 'input'), kernel, bias, options),
      }),
    };
  },
  pytorch: {
    module: ({ params, inputs }) =>
      `nn.Conv2d(${inputs.input?.shape?.[3]}, ${params.outChannels}, ${params.kernelSize}, stride=${params.stride}, padding=${params.padding}, ` +
      `dilation=${params.dilation}${params.groups !== 1 ? `, groups=${params.groups}` : ''}, bias=${py(params.bias)}${params.paddingMode === 'reflect' ? ", padding_mode='reflect'" : ''})`,
    forward: (a) => ({ output: `${a.module}(${a.in.input})` }),
    // Ours H×W×in×out, PyTorch's out×in×H×W.
    weights: { kernel: { name: 'weight', permute: [3, 2, 0, 1] }, bias: { name: 'bias' } },
  },
  flops({ inputs, params, outputs }) {
    const inChannels = inputs.input.shape?.[3];
    const out = outputs.output?.shape;
    if (typeof inChannels !== 'number' || !out) return 0;
    const positions = (out[1] as number) * (out[2] as number);
    return (2 * positions * params.kernelSize * params.kernelSize * inChannels * params.outChannels) / params.groups;
  },
});

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
