import { defineNode, ShapeError } from '../core/node-api';
import { p } from '../core/params';
import { pytorchDefault } from '../core/init';
import { convTranspose2dTorch } from '../core/ops/conv';
import { convTransposeOutputSize, expectImage } from '../core/ops/shape';
import { tensor4dOf } from '../core/ops/value';
import { py } from '../core/export/python';

export const convTranspose2d = defineNode({
  type: 'conv_transpose2d',
  version: 1,
  category: 'layers',
  title: 'ConvTranspose2d',
  doc:
    'A transposed ("fractionally strided") convolution, PyTorch nn.ConvTranspose2d: the gradient of a conv2d with respect to its ' +
    'input, used as a learned up-sampling. Output size (H−1)·stride − 2·padding + kernelSize + outputPadding, with the same ' +
    'meaning of padding as PyTorch (cropped from the full output), so k4 s2 p1 doubles the size (pix2pix U-Net) and ' +
    'k3 s2 p1 outputPadding 1 doubles it too (CycleGAN ResNet generator). Kernels are stored H×W×out×in; initialisation ' +
    'follows PyTorch (fan-in = outChannels·k²). Defaults differ from PyTorch on purpose: stride 2 and padding 1 (PyTorch: 1 ' +
    'and 0) with kernel 4, so the default node doubles the map. Prefer upsample + conv2d when checkerboard artefacts matter.',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C_in.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Feature map N×H_out×W_out×outChannels.' },
  },
  params: {
    outChannels: p.int({ default: 64, min: 1, max: 16384, doc: 'Number of output channels.' }),
    kernelSize: p.int({ default: 4, min: 1, max: 31, doc: 'Filter height and width in pixels (PyTorch has no default: kernel_size is required).' }),
    stride: p.int({
      default: 2,
      torchDefault: 1,
      min: 1,
      max: 16,
      doc:
        'Up-sampling factor: input pixels land this many pixels apart. Defaults to 2, not PyTorch\'s 1: with kernel 4 and ' +
        'padding 1 the node doubles the map (the DCGAN/pix2pix up-sampling step it exists for); write "stride": 1 when porting ' +
        'an nn.ConvTranspose2d that leaves it out.',
    }),
    padding: p.int({
      default: 1,
      torchDefault: 0,
      min: 0,
      max: 64,
      doc:
        'Pixels cropped from every side of the full output (PyTorch padding); the inverse of the matching conv2d\'s padding. ' +
        'Defaults to 1, not PyTorch\'s 0, for the size-doubling k4 s2 p1 step; write "padding": 0 when porting a layer that leaves it out.',
    }),
    outputPadding: p.int({
      default: 0,
      min: 0,
      max: 15,
      doc: 'Extra rows and columns added at the bottom and right, to reach an exact size such as 2·H with k3 s2 p1. Must be < stride.',
    }),
    bias: p.bool({ default: true, doc: 'Add a learned per-channel bias; turn off when a normalisation layer follows.' }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = expectImage(inputs.input, 'input');
    if (params.outputPadding >= params.stride) {
      throw new ShapeError(
        `outputPadding ${params.outputPadding} must be smaller than stride ${params.stride} (PyTorch's rule): lower outputPadding`,
        { param: 'outputPadding' },
      );
    }
    const outH = convTransposeOutputSize(h, params.kernelSize, params.stride, params.padding, params.outputPadding);
    const outW = convTransposeOutputSize(w, params.kernelSize, params.stride, params.padding, params.outputPadding);
    if (outH < 1 || outW < 1) {
      throw new ShapeError(
        `padding ${params.padding} crops the whole ${outH + 2 * params.padding}×${outW + 2 * params.padding} output away: lower padding`,
        { param: 'padding' },
      );
    }
    return { output: { kind: 'image', shape: [n, outH, outW, params.outChannels] } };
  },
  build(ctx) {
    const { params } = ctx;
    const inChannels = expectImage(ctx.inputs.input, 'input').c;
    const k = params.kernelSize;
    // PyTorch stores [in, out, k, k] and takes fan-in from dim 1, i.e. outChannels·k².
    const fanIn = params.outChannels * k * k;
    const kernel = ctx.weight('kernel', [k, k, params.outChannels, inChannels], pytorchDefault(fanIn));
    const bias = params.bias ? ctx.weight('bias', [params.outChannels], pytorchDefault(fanIn)) : null;
    const options = { stride: params.stride, padding: params.padding, outputPadding: params.outputPadding };
    return {
      forward: (inputs) => ({
        output: convTranspose2dTorch(tensor4dOf(inputs.input, 'input'), kernel, bias, options),
      }),
    };
  },
  pytorch: {
    module: ({ params, inputs }) =>
      `nn.ConvTranspose2d(${inputs.input?.shape?.[3]}, ${params.outChannels}, ${params.kernelSize}, stride=${params.stride}, ` +
      `padding=${params.padding}, output_padding=${params.outputPadding}, bias=${py(params.bias)})`,
    forward: (a) => ({ output: `${a.module}(${a.in.input})` }),
    // Ours H×W×out×in, PyTorch's in×out×H×W.
    weights: { kernel: { name: 'weight', permute: [3, 2, 0, 1] }, bias: { name: 'bias' } },
  },
  flops({ inputs, params }) {
    const shape = inputs.input.shape;
    if (!shape || typeof shape[1] !== 'number' || typeof shape[2] !== 'number' || typeof shape[3] !== 'number') return 0;
    // Every input pixel scatters a k×k×out patch.
    return 2 * shape[1] * shape[2] * shape[3] * params.kernelSize * params.kernelSize * params.outChannels;
  },
});
