/**
 * Discriminators: pix2pix/CycleGAN's PatchGAN (networks.py
 * NLayerDiscriminator) and a global DCGAN-style one for conditional GANs,
 * both optionally conditioned by concatenating the condition on channels.
 */
import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { broadcastToMap } from '../../core/ops/generative';
import { expectImage, expectVector } from '../../core/ops/shape';
import { tensor4dOf, tensorOf } from '../../core/ops/value';
import type { Dim, ValueType } from '../../core/types';
import { biasFor, convLayer, leakyRelu02, normLayer, normParam, scoped, type Layer, type WeightFn, type NormKind } from './layers';
import { convFlops } from '../flops';

/** PatchGAN: side after `nLayers` stride-2 4×4 p1 convs, then two stride-1 ones. */
export function patchOutputSize(size: number, nLayers: number): number {
  let s = size;
  for (let i = 0; i < nLayers; i++) s = Math.floor((s + 2 - 4) / 2) + 1;
  return s - 2;
}

/** Receptive field of one PatchGAN logit, in input pixels (70 for nLayers 3). */
export function patchReceptiveField(nLayers: number): number {
  // Walk back from one output pixel: two stride-1 4×4 convs, then nLayers stride-2 ones.
  let field = 1;
  for (let i = 0; i < 2; i++) field += 3;
  for (let i = 0; i < nLayers; i++) field = (field - 1) * 2 + 4;
  return field;
}

const inChannelsParam = p.int({
  default: 0,
  min: 0,
  max: 4096,
  doc: 'Channels the discriminator is built for (condition + image); a wire with another count is an error. 0 accepts whatever is wired.',
});

/**
 * Checks image and condition and returns the channel count the convs see.
 * The message names the port at fault, so a mis-wired discriminator says
 * which input to fix.
 */
function conditionedChannels(
  input: ValueType,
  condition: ValueType | undefined,
  inChannels: number,
  allowVectorCondition: boolean,
): { n: Dim; h: number; w: number; channels: number; conditionKind?: 'map' | 'vector' } {
  const { n, h, w, c } = expectImage(input, 'input');
  let conditionChannels = 0;
  let conditionKind: 'map' | 'vector' | undefined;
  if (condition) {
    if (allowVectorCondition && condition.shape?.length === 2) {
      conditionChannels = expectVector(condition, 'condition').d;
      conditionKind = 'vector';
    } else {
      const cond = expectImage(condition, 'condition');
      if (cond.h !== h || cond.w !== w) {
        throw new ShapeError(
          `'condition' is ${cond.h}×${cond.w} but 'input' is ${h}×${w}: the condition is concatenated on channels, so both must have the same size`,
          { port: 'condition' },
        );
      }
      conditionChannels = cond.c;
      conditionKind = 'map';
    }
  }
  const channels = c + conditionChannels;
  if (inChannels > 0 && channels !== inChannels) {
    const given = condition ? `${conditionChannels} (condition) + ${c} (input) = ${channels}` : `${c}`;
    const wanted = inChannels - conditionChannels;
    const fix =
      wanted > 0
        ? `wire an image with ${wanted} channel${wanted === 1 ? '' : 's'} to 'input'${condition ? ' (or fix the condition)' : ''}`
        : `the condition alone has ${conditionChannels} channels, so fix the condition`;
    throw new ShapeError(`this discriminator is built for ${inChannels} input channels but gets ${given}: ${fix}, or set inChannels to ${channels}`, {
      port: 'input',
    });
  }
  return { n, h, w, channels, conditionKind };
}

function withCondition(x: tf.Tensor4D, condition: tf.Tensor | undefined): tf.Tensor4D {
  if (!condition) return x;
  const map = condition.rank === 2 ? broadcastToMap(condition, x.shape[1], x.shape[2]) : (condition as tf.Tensor4D);
  // pix2pix feeds torch.cat((real_A, fake_B), 1): the condition comes first.
  return tf.concat([map, x], 3);
}

export interface PatchGanConfig {
  inChannels: number;
  ndf: number;
  nLayers: number;
  norm: NormKind;
}

/**
 * [conv 4×4 s2 p1 → LeakyReLU 0.2], then nLayers − 1 × [conv s2, norm,
 * LeakyReLU] with ndf·min(2^n, 8) filters, one [conv s1, norm, LeakyReLU],
 * and a 1-channel conv s1: a map of real/fake logits, one per patch.
 */
export function buildPatchGan(weight: WeightFn, config: PatchGanConfig): Layer {
  const { ndf, nLayers, norm } = config;
  const bias = biasFor(norm);
  const layers: Layer[] = [convLayer(scoped(weight, 'conv0'), config.inChannels, ndf, 4, { stride: 2, padding: 1, bias: true }), leakyRelu02];
  let mult = 1;
  for (let n = 1; n <= nLayers; n++) {
    const previous = mult;
    mult = Math.min(2 ** n, 8);
    const stride = n < nLayers ? 2 : 1;
    layers.push(
      convLayer(scoped(weight, `conv${n}`), ndf * previous, ndf * mult, 4, { stride, padding: 1, bias }),
      normLayer(scoped(weight, `conv${n}/norm`), norm, ndf * mult),
      leakyRelu02,
    );
  }
  layers.push(convLayer(scoped(weight, 'head'), ndf * mult, 1, 4, { stride: 1, padding: 1, bias: true }));
  return (x, mode) => layers.reduce((y, layer) => layer(y, mode), x);
}

export const patchGan = defineNode({
  type: 'discriminator.patchgan',
  version: 1,
  category: 'generative',
  title: 'PatchGAN discriminator',
  doc:
    "pix2pix/CycleGAN's PatchGAN, PyTorch networks.NLayerDiscriminator(input_nc, ndf, n_layers, norm_layer): 4×4 convs " +
    'with padding 1 and strides 2 (nLayers times), 1, 1; channels ndf, 2ndf, 4ndf, 8ndf (capped), then 1; LeakyReLU 0.2 ' +
    'and no norm after the first conv. It classifies each overlapping patch as real or fake: with nLayers 3 a 256×256 ' +
    'input gives 30×30 logits, each seeing a 70×70 patch. Wire condition for a conditional discriminator (pix2pix ' +
    'concatenates the input image A in front of the real or generated B). Apply one discriminator to real and fake ' +
    'images with two nodes, the second sharing the first\'s weights. Outputs raw logits: use loss.gan.',
  inputs: {
    input: { kinds: ['image'], doc: 'Real or generated image N×H×W×C.' },
    condition: { kinds: ['image'], doc: 'Optional condition N×H×W×C_c (e.g. pix2pix\'s input image), concatenated before input.', optional: true },
  },
  outputs: {
    output: { kind: 'image', doc: 'Patch logits N×h×w×1 (30×30 for 256×256 and nLayers 3).' },
  },
  params: {
    nLayers: p.int({ default: 3, min: 1, max: 8, doc: 'Stride-2 convs (n_layers): 3 gives 70×70 patches, 1 gives 16×16, 5 gives 286×286.' }),
    ndf: p.int({ default: 64, min: 1, max: 1024, doc: 'Filters of the first conv; later ones double up to 8·ndf.' }),
    norm: normParam('batch', 'Normalisation after every conv but the first and last: batch (pix2pix), instance (CycleGAN) or none.'),
    inChannels: inChannelsParam,
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = conditionedChannels(inputs.input, inputs.condition, params.inChannels, false);
    const outH = patchOutputSize(h, params.nLayers);
    const outW = patchOutputSize(w, params.nLayers);
    if (outH < 1 || outW < 1) {
      throw new ShapeError(
        `input 'input' is ${h}×${w}, too small for ${params.nLayers} stride-2 layers (the map would vanish): lower nLayers or feed larger images`,
        { param: 'nLayers' },
      );
    }
    return { output: { kind: 'image', shape: [n, outH, outW, 1] } };
  },
  build(ctx) {
    const { channels } = conditionedChannels(ctx.inputs.input, ctx.inputs.condition, ctx.params.inChannels, false);
    const net = buildPatchGan(ctx.weight, { ...ctx.params, inChannels: channels });
    return {
      forward: (inputs, mode) => {
        const condition = inputs.condition === undefined ? undefined : tensorOf(inputs.condition, 'condition');
        return { output: net(withCondition(tensor4dOf(inputs.input, 'input'), condition), mode) };
      },
    };
  },
  flops({ inputs, params }) {
    const { h, w, channels } = conditionedChannels(inputs.input, inputs.condition, params.inChannels, false);
    let size = [h, w];
    let inC = channels;
    let total = 0;
    const convAt = (stride: number, outC: number) => {
      size = size.map((s) => Math.floor((s + 2 - 4) / stride) + 1);
      total += 2 * size[0] * size[1] * 16 * inC * outC;
      inC = outC;
    };
    convAt(2, params.ndf);
    for (let n = 1; n <= params.nLayers; n++) convAt(n < params.nLayers ? 2 : 1, params.ndf * Math.min(2 ** n, 8));
    convAt(1, 1);
    return total;
  },
});

/** Stride-2 stages a global discriminator takes to bring the map to 4×4 or less. */
function globalStages(h: number, w: number): number {
  let stages = 0;
  let side = Math.min(h, w);
  while (side > 4) {
    side = Math.floor(side / 2);
    stages++;
  }
  return Math.max(stages, 1);
}

export const globalDiscriminator = defineNode({
  type: 'discriminator.global',
  version: 1,
  category: 'generative',
  title: 'Global discriminator (DCGAN)',
  doc:
    'A DCGAN-style discriminator that scores the whole image with one logit, as in Radford et al. and conditional GANs ' +
    '(Mirza & Osindero): 4×4 stride-2 convs with padding 1 (ndf, 2ndf, 4ndf, 8ndf capped) until the map is 4×4 or ' +
    'smaller, LeakyReLU 0.2 after each and norm after all but the first, then one conv covering the whole remaining ' +
    'map. PyTorch equivalent: the DCGAN tutorial\'s nn.Sequential of Conv2d/BatchNorm2d/LeakyReLU ending in a k4 s1 p0 ' +
    'Conv2d. A condition — a label vector (broadcast over the image, e.g. one-hot classes) or a map — is concatenated on ' +
    'channels before the first conv. Outputs a raw logit: use loss.gan.',
  inputs: {
    input: { kinds: ['image'], doc: 'Real or generated image N×H×W×C.' },
    condition: {
      kinds: ['vector', 'image'],
      doc: 'Optional condition: N×K vector (broadcast to every pixel) or N×H×W×K map, concatenated before input.',
      optional: true,
    },
  },
  outputs: {
    output: { kind: 'vector', doc: 'One real/fake logit per image, N×1.' },
  },
  params: {
    ndf: p.int({ default: 64, min: 1, max: 1024, doc: 'Filters of the first conv; later ones double up to 8·ndf.' }),
    norm: normParam('batch', 'Normalisation after every conv but the first and last: batch (DCGAN), instance or none.'),
    inChannels: inChannelsParam,
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = conditionedChannels(inputs.input, inputs.condition, params.inChannels, true);
    if (h < 2 || w < 2) throw new ShapeError(`input 'input' is ${h}×${w}: a discriminator needs at least 2×2 images`, { port: 'input' });
    return { output: { kind: 'vector', shape: [n, 1] } };
  },
  flops({ inputs, params }) {
    const { h, w, channels } = conditionedChannels(inputs.input, inputs.condition, params.inChannels, true);
    let size = [h, w];
    let inC = channels;
    let total = 0;
    for (let s = 0; s < globalStages(h, w); s++) {
      const outC = params.ndf * Math.min(2 ** s, 8);
      size = size.map((d) => Math.floor((d + 2 - 4) / 2) + 1);
      total += convFlops(size[0] * size[1], 4, inC, outC);
      inC = outC;
    }
    // The head is one conv covering the remaining map: one multiply-add per weight.
    return total + 2 * size[0] * size[1] * inC;
  },
  build(ctx) {
    const { h, w, channels } = conditionedChannels(ctx.inputs.input, ctx.inputs.condition, ctx.params.inChannels, true);
    const { ndf, norm } = ctx.params;
    const bias = biasFor(norm);
    const stages = globalStages(h, w);
    const layers: Layer[] = [];
    let inC = channels;
    let size = [h, w];
    for (let s = 0; s < stages; s++) {
      const outC = ndf * Math.min(2 ** s, 8);
      layers.push(convLayer(scoped(ctx.weight, `conv${s}`), inC, outC, 4, { stride: 2, padding: 1, bias: s === 0 || bias }));
      if (s > 0) layers.push(normLayer(scoped(ctx.weight, `conv${s}/norm`), norm, outC));
      layers.push(leakyRelu02);
      inC = outC;
      size = size.map((d) => Math.floor((d + 2 - 4) / 2) + 1);
    }
    const head = ctx.weight('head/kernel', [size[0], size[1], inC, 1], (shape, rng) => {
      const bound = 1 / Math.sqrt(size[0] * size[1] * inC);
      return rng.fillUniform(new Float32Array(shape.reduce((a, b) => a * b, 1)), -bound, bound);
    });
    return {
      forward: (inputs, mode) => {
        const condition = inputs.condition === undefined ? undefined : tensorOf(inputs.condition, 'condition');
        const x = withCondition(tensor4dOf(inputs.input, 'input'), condition);
        const features = layers.reduce((y, layer) => layer(y, mode), x);
        const logits = tf.conv2d(features, head as tf.Tensor4D, 1, 'valid');
        return { output: tf.reshape(logits, [logits.shape[0], 1]) };
      },
    };
  },
});
