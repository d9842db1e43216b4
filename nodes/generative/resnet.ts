/**
 * CycleGAN's ResNet generator (networks.py ResnetGenerator / ResnetBlock)
 * as one node, and its residual block as a node of its own.
 */
import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { expectImage } from '../../core/ops/shape';
import { tensor4dOf } from '../../core/ops/value';
import {
  biasFor,
  convLayer,
  convTransposeLayer,
  dropoutLayer,
  normLayer,
  normParam,
  reflectPad,
  reluLayer,
  scoped,
  sequence,
  type Layer,
  type NormKind,
  type WeightFn,
} from './layers';

export type PaddingType = 'reflect' | 'zeros';

export interface ResnetBlockConfig {
  channels: number;
  norm: NormKind;
  dropout: boolean;
  paddingType: PaddingType;
  bias: boolean;
}

/**
 * x + conv_block(x) with conv_block = [pad 1, conv 3×3, norm, ReLU,
 * (Dropout 0.5), pad 1, conv 3×3, norm]; reflection padding by default.
 */
export function buildResnetBlock(weight: WeightFn, config: ResnetBlockConfig): Layer {
  const { channels, norm, paddingType, bias } = config;
  const conv = (name: string) =>
    paddingType === 'reflect'
      ? sequence(reflectPad(1), convLayer(scoped(weight, name), channels, channels, 3, { bias }))
      : convLayer(scoped(weight, name), channels, channels, 3, { padding: 1, bias });
  const block = sequence(
    conv('conv1'),
    normLayer(scoped(weight, 'norm1'), norm, channels),
    reluLayer,
    dropoutLayer(config.dropout ? 0.5 : 0, 'dropout'),
    conv('conv2'),
    normLayer(scoped(weight, 'norm2'), norm, channels),
  );
  return (x, mode) => tf.add(x, block(x, mode));
}

export interface ResnetGeneratorConfig {
  inChannels: number;
  outChannels: number;
  ngf: number;
  blocks: number;
  norm: NormKind;
  dropout: boolean;
  paddingType: PaddingType;
}

/**
 * Reflection pad 3 + 7×7 conv to ngf, two 3×3 stride-2 convs (2ngf, 4ngf),
 * `blocks` residual blocks at 4ngf, two 3×3 stride-2 transposed convs with
 * output_padding 1 back to ngf, reflection pad 3 + 7×7 conv, tanh. Each conv
 * but the last is followed by norm and ReLU.
 */
export function buildResnetGenerator(weight: WeightFn, config: ResnetGeneratorConfig): Layer {
  const { ngf, norm } = config;
  const bias = biasFor(norm);
  const stage = (name: string, conv: Layer, channels: number) =>
    sequence(conv, normLayer(scoped(weight, `${name}/norm`), norm, channels), reluLayer);
  const layers: Layer[] = [
    stage('stem', sequence(reflectPad(3), convLayer(scoped(weight, 'stem'), config.inChannels, ngf, 7, { bias })), ngf),
  ];
  for (let i = 0; i < 2; i++) {
    const mult = 2 ** i;
    layers.push(stage(`down${i}`, convLayer(scoped(weight, `down${i}`), ngf * mult, ngf * mult * 2, 3, { stride: 2, padding: 1, bias }), ngf * mult * 2));
  }
  for (let j = 0; j < config.blocks; j++) {
    layers.push(
      buildResnetBlock(scoped(weight, `block${j}`), { channels: ngf * 4, norm, dropout: config.dropout, paddingType: config.paddingType, bias }),
    );
  }
  for (let i = 0; i < 2; i++) {
    const mult = 2 ** (2 - i);
    const up = convTransposeLayer(scoped(weight, `up${i}`), ngf * mult, (ngf * mult) / 2, 3, { stride: 2, padding: 1, outputPadding: 1, bias });
    layers.push(stage(`up${i}`, up, (ngf * mult) / 2));
  }
  layers.push(reflectPad(3), convLayer(scoped(weight, 'head'), ngf, config.outChannels, 7, { bias: true }), (x) => tf.tanh(x));
  return sequence(...layers);
}

const paddingTypeParam = p.enum({
  options: ['reflect', 'zeros'],
  default: 'reflect',
  doc: 'Padding inside residual blocks: reflection (the reference\'s default) or zeros.',
});

export const resnetGenerator = defineNode({
  type: 'generator.resnet',
  version: 1,
  category: 'generative',
  title: 'ResNet generator',
  doc:
    "CycleGAN's ResNet generator in one node, PyTorch networks.ResnetGenerator(input_nc, output_nc, ngf, norm_layer, " +
    'use_dropout, n_blocks, padding_type): reflection pad 3 and a 7×7 conv to ngf, two 3×3 stride-2 convs (2·ngf, 4·ngf), ' +
    'blocks residual blocks at 4·ngf, two 3×3 stride-2 transposed convs with output_padding 1 back to ngf, reflection pad ' +
    '3 and a 7×7 conv to outChannels, tanh. Norm and ReLU after every conv but the last; convs have a bias only with ' +
    'instance norm, as in the reference. 9 blocks for 256×256 images, 6 for 128; Johnson et al.\'s style-transfer network ' +
    'has the same shape. Build it from resnet.block and the general layers to vary it.',
  inputs: {
    input: { kinds: ['image'], doc: 'Image N×H×W×C, H and W divisible by 4 (and at least 8), values in −1..1.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Translated image N×H×W×outChannels in −1..1 (tanh).' },
  },
  params: {
    ngf: p.int({ default: 64, min: 1, max: 1024, doc: 'Filters of the first conv; the residual blocks work at 4·ngf.' }),
    blocks: p.int({ default: 9, min: 0, max: 64, doc: 'Residual blocks at the bottleneck (n_blocks): 9 for 256×256, 6 for 128×128.' }),
    outChannels: p.int({ default: 3, min: 1, max: 64, doc: 'Channels of the output image (output_nc).' }),
    norm: normParam('instance', 'Normalisation: instance (CycleGAN), batch or none.'),
    dropout: p.bool({ default: false, doc: 'Dropout 0.5 inside each residual block (use_dropout; off in CycleGAN).' }),
    paddingType: paddingTypeParam,
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = expectImage(inputs.input, 'input');
    if (h % 4 !== 0 || w % 4 !== 0 || h < 8 || w < 8) {
      throw new ShapeError(
        `input 'input' is ${h}×${w}: the two stride-2 downs and ups restore the size only when both sides are divisible by 4 ` +
          '(and at least 8, for the reflection padding at the bottleneck); resize the images',
        { port: 'input' },
      );
    }
    return { output: { kind: 'image', shape: [n, h, w, params.outChannels] } };
  },
  build(ctx) {
    const inChannels = expectImage(ctx.inputs.input, 'input').c;
    const net = buildResnetGenerator(ctx.weight, { inChannels, ...ctx.params });
    return { forward: (inputs, mode) => ({ output: net(tensor4dOf(inputs.input, 'input'), mode) }) };
  },
  flops({ inputs, params }) {
    const { h, w, c } = expectImage(inputs.input, 'input');
    const { ngf } = params;
    const full = h * w;
    const conv = (positions: number, k: number, inC: number, outC: number) => 2 * positions * k * k * inC * outC;
    return (
      conv(full, 7, c, ngf) +
      conv(full / 4, 3, ngf, 2 * ngf) +
      conv(full / 16, 3, 2 * ngf, 4 * ngf) +
      params.blocks * 2 * conv(full / 16, 3, 4 * ngf, 4 * ngf) +
      conv(full / 16, 3, 4 * ngf, 2 * ngf) +
      conv(full / 4, 3, 2 * ngf, ngf) +
      conv(full, 7, ngf, params.outChannels)
    );
  },
});

export const resnetBlock = defineNode({
  type: 'resnet.block',
  version: 1,
  category: 'generative',
  title: 'ResNet block',
  doc:
    "CycleGAN's residual block, PyTorch networks.ResnetBlock(dim, padding_type, norm_layer, use_dropout, use_bias): " +
    'output = x + [pad 1, conv 3×3, norm, ReLU, (dropout 0.5), pad 1, conv 3×3, norm](x), channels and size unchanged. ' +
    'Stack several at the bottleneck of an encoder–decoder generator (CycleGAN, Johnson et al.\'s transformation network).',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C (H, W ≥ 2 for reflection padding).' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Feature map of the same shape.' },
  },
  params: {
    norm: normParam('instance', 'Normalisation after each conv: instance (CycleGAN), batch or none.'),
    dropout: p.bool({ default: false, doc: 'Dropout 0.5 between the two convs.' }),
    paddingType: paddingTypeParam,
    bias: p.bool({ default: true, doc: 'Conv biases; the reference uses them with instance norm and drops them with batch norm.' }),
  },
  inferShape({ inputs, params }) {
    const { h, w } = expectImage(inputs.input, 'input');
    if (params.paddingType === 'reflect' && (h < 2 || w < 2)) {
      throw new ShapeError(`input 'input' is ${h}×${w}: reflection padding of 1 needs at least 2×2; use zeros padding`, { port: 'input' });
    }
    return { output: { kind: inputs.input.kind, shape: inputs.input.shape } };
  },
  build(ctx) {
    const channels = expectImage(ctx.inputs.input, 'input').c;
    const block = buildResnetBlock(ctx.weight, { channels, ...ctx.params });
    return { forward: (inputs, mode) => ({ output: block(tensor4dOf(inputs.input, 'input'), mode) }) };
  },
  flops({ inputs }) {
    const { h, w, c } = expectImage(inputs.input, 'input');
    return 2 * 2 * h * w * 9 * c * c;
  },
});
