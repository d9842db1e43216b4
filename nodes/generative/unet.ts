/**
 * pix2pix's U-Net generator (networks.py UnetGenerator /
 * UnetSkipConnectionBlock) as one node, and the down and up blocks it is made
 * of as nodes of their own so users can wire variants.
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
  leakyRelu02,
  normLayer,
  normParam,
  scoped,
  type Layer,
  type NormKind,
  type WeightFn,
} from './layers';
import { convFlops, elements } from '../flops';

export interface UnetConfig {
  inChannels: number;
  outChannels: number;
  depth: number;
  ngf: number;
  norm: NormKind;
  dropout: boolean;
}

/** Channels inside level `level` (0 outermost): ngf·2^level, capped at ngf·8 as in the reference. */
export const unetInnerChannels = (ngf: number, level: number) => ngf * Math.min(2 ** level, 8);

/**
 * Builds the U-Net level by level from the outside in. Each non-outermost
 * level applies LeakyReLU(0.2) to its input and concatenates that activated
 * tensor as its skip, as the reference's in-place LeakyReLU makes
 * torch.cat([x, model(x)]) do (the ReLU opening the next up block makes it
 * equal to concatenating x itself). Dropout 0.5 sits in the ngf·8 levels
 * between level 4 and the innermost (num_downs − 5 of them).
 */
export function buildUnet(weight: WeightFn, config: UnetConfig): Layer {
  const { depth, ngf, norm } = config;
  const bias = biasFor(norm);
  const level = (index: number): Layer => {
    const outermost = index === 0;
    const innermost = index === depth - 1;
    const inner = unetInnerChannels(ngf, index);
    const outer = outermost ? config.outChannels : unetInnerChannels(ngf, index - 1);
    const inputChannels = outermost ? config.inChannels : outer;
    const downConv = convLayer(scoped(weight, `down${index}`), inputChannels, inner, 4, { stride: 2, padding: 1, bias });
    const downNorm = outermost || innermost ? null : normLayer(scoped(weight, `down${index}/norm`), norm, inner);
    const submodule = innermost ? null : level(index + 1);
    const upConv = convTransposeLayer(scoped(weight, `up${index}`), innermost ? inner : 2 * inner, outer, 4, {
      stride: 2,
      padding: 1,
      bias: outermost ? true : bias,
    });
    const upNorm = outermost ? null : normLayer(scoped(weight, `up${index}/norm`), norm, outer);
    const drop = dropoutLayer(config.dropout && index >= 4 && !innermost ? 0.5 : 0, `up${index}`);
    return (x, mode) => {
      const skip = outermost ? x : leakyRelu02(x, mode);
      let y = downConv(skip, mode);
      if (downNorm) y = downNorm(y, mode);
      if (submodule) y = submodule(y, mode);
      y = upConv(tf.relu(y), mode);
      if (outermost) return tf.tanh(y);
      y = drop(upNorm!(y, mode), mode);
      return tf.concat([skip, y], 3);
    };
  };
  return level(0);
}

export const unetGenerator = defineNode({
  type: 'generator.unet',
  version: 1,
  category: 'generative',
  title: 'U-Net generator',
  doc:
    "pix2pix's U-Net generator in one node, PyTorch networks.UnetGenerator(input_nc, output_nc, num_downs, ngf, norm_layer, " +
    'use_dropout): depth stride-2 4×4 convs down to 1/2^depth of the input (LeakyReLU 0.2 before each but the first, ' +
    'norm after each but the outermost and innermost), ReLU + 4×4 stride-2 transposed convs back up (norm after each but ' +
    'the last), skip concatenations between mirrored levels, tanh out. Channels ngf, 2ngf, 4ngf, then 8ngf; dropout 0.5 in ' +
    'the 8ngf up blocks between level 4 and the innermost when dropout is on (the generator\'s noise). As in the ' +
    'reference, convs before batch norm have no bias. Use depth 8 for 256×256 (unet_256), 7 for 128, 6 for 64, 5 for 32. Build it from unet.down / unet.up to vary it.',
  inputs: {
    input: { kinds: ['image'], doc: 'Condition image N×H×W×C, H and W divisible by 2^depth, values in −1..1.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Generated image N×H×W×outChannels in −1..1 (tanh).' },
  },
  params: {
    depth: p.int({ default: 8, min: 2, max: 10, doc: 'Number of stride-2 downs (num_downs); the input side must be divisible by 2^depth.' }),
    ngf: p.int({ default: 64, min: 1, max: 1024, doc: 'Filters of the outermost level; deeper levels use 2×, 4×, then 8× as many.' }),
    outChannels: p.int({ default: 3, min: 1, max: 64, doc: 'Channels of the generated image (output_nc).' }),
    norm: normParam('batch', 'Normalisation inside the blocks: batch (pix2pix), instance (CycleGAN) or none.'),
    dropout: p.bool({ default: true, doc: 'Dropout 0.5 in the innermost 8·ngf up blocks (pix2pix\'s use_dropout; needs depth ≥ 6 to have any).' }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = expectImage(inputs.input, 'input');
    const factor = 2 ** params.depth;
    if (h % factor !== 0 || w % factor !== 0) {
      const fit = Math.floor(Math.log2(Math.min(h & -h, w & -w)));
      throw new ShapeError(
        `input 'input' is ${h}×${w}, but depth ${params.depth} needs both sides divisible by 2^${params.depth} = ${factor}: ` +
          `lower depth to ${Math.max(fit, 2)} or resize the images`,
        { param: 'depth' },
      );
    }
    return { output: { kind: 'image', shape: [n, h, w, params.outChannels] } };
  },
  build(ctx) {
    const { params } = ctx;
    const inChannels = expectImage(ctx.inputs.input, 'input').c;
    const net = buildUnet(ctx.weight, { inChannels, ...params });
    return { forward: (inputs, mode) => ({ output: net(tensor4dOf(inputs.input, 'input'), mode) }) };
  },
  flops({ inputs, params }) {
    const { h, w, c } = expectImage(inputs.input, 'input');
    let total = 0;
    for (let level = 0; level < params.depth; level++) {
      const inner = unetInnerChannels(params.ngf, level);
      const outer = level === 0 ? params.outChannels : unetInnerChannels(params.ngf, level - 1);
      const inC = level === 0 ? c : outer;
      const positions = (h / 2 ** (level + 1)) * (w / 2 ** (level + 1));
      const upIn = level === params.depth - 1 ? inner : 2 * inner;
      total += 2 * positions * 16 * (inC * inner + upIn * outer);
    }
    return total;
  },
});

export const unetDown = defineNode({
  type: 'unet.down',
  version: 1,
  category: 'generative',
  title: 'U-Net down block',
  doc:
    "The down half of one pix2pix U-Net level (UnetSkipConnectionBlock's down = [LeakyReLU(0.2), Conv2d(k4, s2, p1), norm]): " +
    'halves the map. Its skip output is the tensor the level concatenates on the way up — the activated input, since the ' +
    "reference's LeakyReLU runs in place. Outermost level: leaky off, norm none. Innermost: leaky on, norm none. PyTorch " +
    'equivalent: nn.Sequential(nn.LeakyReLU(0.2), nn.Conv2d(C, outChannels, 4, 2, 1, bias=bias), norm). Pair it with unet.up.',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C with even H and W.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Down-sampled map N×H/2×W/2×outChannels, for the next level.' },
    skip: { kind: 'image', doc: 'What the matching unet.up concatenates: the input after the LeakyReLU (or the input itself when leaky is off).' },
  },
  params: {
    outChannels: p.int({ default: 128, min: 1, max: 4096, doc: 'Channels after the stride-2 conv (inner_nc).' }),
    leaky: p.bool({ default: true, doc: 'Apply LeakyReLU 0.2 first (off only for the outermost level, which sees the image).' }),
    norm: normParam('batch', 'Normalisation after the conv; none for the outermost and innermost levels.'),
    bias: p.bool({ default: false, doc: 'Conv bias; the reference has none with batch norm (and one with instance norm).' }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = expectImage(inputs.input, 'input');
    if (h % 2 !== 0 || w % 2 !== 0 || h < 2 || w < 2) {
      throw new ShapeError(`input 'input' is ${h}×${w}: a U-Net down block needs even sides so its up block restores them`, { port: 'input' });
    }
    return {
      output: { kind: 'image', shape: [n, h / 2, w / 2, params.outChannels] },
      skip: { kind: 'image', shape: inputs.input.shape },
    };
  },
  flops({ inputs, params, outputs }) {
    const { c } = expectImage(inputs.input, 'input');
    const positions = elements(outputs.output) / params.outChannels;
    // The conv, its norm (≈5 per element) and the LeakyReLU in front (2 per input element).
    return convFlops(positions, 4, c, params.outChannels) + 5 * elements(outputs.output) + 2 * elements(inputs.input);
  },
  build(ctx) {
    const { params } = ctx;
    const inChannels = expectImage(ctx.inputs.input, 'input').c;
    const conv = convLayer(ctx.weight, inChannels, params.outChannels, 4, { stride: 2, padding: 1, bias: params.bias });
    const norm = normLayer(scoped(ctx.weight, 'norm'), params.norm, params.outChannels);
    return {
      forward: (inputs, mode) => {
        const x = tensor4dOf(inputs.input, 'input');
        const skip = params.leaky ? leakyRelu02(x, mode) : x;
        return { output: norm(conv(skip, mode), mode), skip };
      },
    };
  },
});

export const unetUp = defineNode({
  type: 'unet.up',
  version: 1,
  category: 'generative',
  title: 'U-Net up block',
  doc:
    "The up half of one pix2pix U-Net level (UnetSkipConnectionBlock's up = [ReLU, ConvTranspose2d(k4, s2, p1), norm] (+ " +
    'Dropout 0.5), then torch.cat([skip, up], 1)): doubles the map and concatenates the matching unet.down\'s skip in ' +
    'front of it. Outermost level: set outermost, which ends with tanh instead of norm and concatenation, and leave skip ' +
    'unwired. PyTorch equivalent: the up list of UnetSkipConnectionBlock plus its concatenation.',
  inputs: {
    input: { kinds: ['image'], doc: 'The deeper level\'s output N×h×w×C (for the innermost level: its down block\'s output).' },
    skip: { kinds: ['image'], doc: 'The matching unet.down skip N×2h×2w×C_skip; unwired only for the outermost level.', optional: true },
  },
  outputs: {
    output: { kind: 'image', doc: 'N×2h×2w×(C_skip + outChannels), or N×2h×2w×outChannels in −1..1 for the outermost level.' },
  },
  params: {
    outChannels: p.int({ default: 64, min: 1, max: 4096, doc: 'Channels of the transposed conv (outer_nc).' }),
    norm: normParam('batch', 'Normalisation after the transposed conv (ignored when outermost).'),
    bias: p.bool({ default: false, doc: 'Transposed-conv bias; the reference has none with batch norm. Always on when outermost.' }),
    dropout: p.float({ default: 0, min: 0, max: 0.95, doc: 'Dropout probability after the norm; pix2pix uses 0.5 in the innermost 8·ngf levels.' }),
    outermost: p.bool({ default: false, doc: 'Last level: tanh output, no norm, no skip concatenation.' }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = expectImage(inputs.input, 'input');
    if (params.outermost) {
      if (inputs.skip) throw new ShapeError('the outermost up block concatenates nothing: unwire skip or turn outermost off', { port: 'skip' });
      return { output: { kind: 'image', shape: [n, 2 * h, 2 * w, params.outChannels] } };
    }
    if (!inputs.skip) {
      throw new ShapeError("wire 'skip' to the skip output of the matching unet.down (or set outermost for the last level)", { port: 'skip' });
    }
    const skip = expectImage(inputs.skip, 'skip');
    if (skip.h !== 2 * h || skip.w !== 2 * w) {
      throw new ShapeError(
        `'skip' is ${skip.h}×${skip.w} but this block outputs ${2 * h}×${2 * w}: wire the skip of the unet.down at the same level`,
        { port: 'skip' },
      );
    }
    return { output: { kind: 'image', shape: [n, 2 * h, 2 * w, skip.c + params.outChannels] } };
  },
  flops({ inputs, params }) {
    // A stride-2 transposed conv spends k² multiply-adds per input pixel and output channel.
    const { h, w, c } = expectImage(inputs.input, 'input');
    return convFlops(h * w, 4, c, params.outChannels) + 5 * 4 * h * w * params.outChannels;
  },
  build(ctx) {
    const { params } = ctx;
    const inChannels = expectImage(ctx.inputs.input, 'input').c;
    const conv = convTransposeLayer(ctx.weight, inChannels, params.outChannels, 4, {
      stride: 2,
      padding: 1,
      bias: params.outermost || params.bias,
    });
    const norm = params.outermost ? null : normLayer(scoped(ctx.weight, 'norm'), params.norm, params.outChannels);
    const drop = dropoutLayer(params.outermost ? 0 : params.dropout, 'dropout');
    return {
      forward: (inputs, mode) => {
        const y = conv(tf.relu(tensor4dOf(inputs.input, 'input')), mode);
        if (params.outermost) return { output: tf.tanh(y) };
        return { output: tf.concat([tensor4dOf(inputs.skip, 'skip'), drop(norm!(y, mode), mode)], 3) };
      },
    };
  },
});
