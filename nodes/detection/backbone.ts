import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { expectImage } from '../../core/ops/shape';
import { maxPool2dTorch } from '../../core/ops/pool';
import { tensor4dOf } from '../../core/ops/value';
import type { Shape } from '../../core/types';
import { makeConv, makeNorm, type Conv, type Norm } from './common';

type Mode = { training: boolean; updateStats: boolean };

/** Output level names and the input divisor a ResNet with `stages` stages needs. */
function levelsFor(stages: number): { names: string[]; divisor: number } {
  return { names: Array.from({ length: stages }, (_, i) => `C${i + 2}`), divisor: 2 ** (stages + 1) };
}

export const resnetBackbone = defineNode({
  type: 'backbone.resnet',
  version: 1,
  category: 'backbones',
  title: 'ResNet backbone',
  doc:
    'A ResNet feature extractor (He et al.; PyTorch torchvision.models.resnet / detectron2 ResNet, v1.5 with the stride in the 3×3 conv) ' +
    'exposing each stage\'s output as a feature pyramid: stem (k×k conv stride 2, norm, ReLU, 3×3 max-pool stride 2), then ' +
    'stages res2…res5 of basic (two 3×3) or bottleneck (1×1, 3×3, 1×1, width/4 inside) residual blocks, the first block of ' +
    'each later stage halving the resolution. Levels C2…C5 have strides 4…32, so the input height and width must be ' +
    'multiples of 2^(stages+1) (32 for four stages). depths [2,2,2,2] with basic blocks and widths [64,128,256,512] is ' +
    'ResNet-18; [3,4,6,3] with bottleneck blocks and [256,512,1024,2048] is ResNet-50. Trained from scratch here, so ' +
    'BatchNorm is trainable (detectron2 freezes it for ImageNet-pretrained weights). Convs use He (fan-out) initialisation.',
  inputs: {
    image: { kinds: ['image'], doc: 'Images N×H×W×C; H and W multiples of 2^(stages+1).' },
  },
  outputs: {
    features: { kind: 'pyramid', doc: 'Stage outputs C2 (stride 4) … C5 (stride 32), N×H/s×W/s×width each.' },
  },
  params: {
    block: p.enum({ options: ['basic', 'bottleneck'], default: 'basic', doc: 'Residual block: two 3×3 convs (ResNet-18/34) or 1×1-3×3-1×1 (ResNet-50+).' }),
    depths: p.ints({ default: [2, 2, 2, 2], minLength: 1, maxLength: 4, min: 1, max: 64, doc: 'Blocks per stage, res2 first; the number of entries is the number of stages (levels).' }),
    widths: p.ints({ default: [64, 128, 256, 512], minLength: 1, maxLength: 4, min: 4, max: 4096, doc: 'Output channels of each stage (bottleneck blocks use a quarter of it inside).' }),
    stemChannels: p.int({ default: 64, min: 4, max: 1024, doc: 'Channels of the stem convolution.' }),
    stemKernel: p.int({ default: 7, min: 3, max: 7, doc: 'Kernel size of the stride-2 stem convolution (odd: 3, 5 or 7).' }),
    norm: p.enum({ options: ['batch', 'none'], default: 'batch', doc: 'BatchNorm after every conv (PyTorch defaults), or none (convs get biases instead).' }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = expectImage(inputs.image, 'image');
    if (params.widths.length !== params.depths.length) {
      throw new ShapeError(`widths has ${params.widths.length} entries but depths has ${params.depths.length}: give one width per stage`, { param: 'widths' });
    }
    if (params.stemKernel % 2 === 0) throw new ShapeError(`stemKernel must be odd, got ${params.stemKernel}`, { param: 'stemKernel' });
    if (params.block === 'bottleneck' && params.widths.some((c) => c % 4 !== 0)) {
      throw new ShapeError(`bottleneck blocks need widths divisible by 4, got [${params.widths.join(', ')}]`, { param: 'widths' });
    }
    const { names, divisor } = levelsFor(params.depths.length);
    if (h % divisor !== 0 || w % divisor !== 0) {
      const fit = (s: number) => Math.max(divisor, Math.round(s / divisor) * divisor);
      throw new ShapeError(
        `input 'image' is ${h}×${w}, but a ResNet with ${params.depths.length} stages down-samples by ${divisor}, so height and width ` +
          `must be multiples of ${divisor}: resize the images to ${fit(h)}×${fit(w)} (the dataset's imageSize) or use fewer stages`,
        { port: 'image' },
      );
    }
    const levels: Record<string, Shape> = {};
    names.forEach((name, i) => {
      const stride = 2 ** (i + 2);
      levels[name] = [n, h / stride, w / stride, params.widths[i]];
    });
    return { features: { kind: 'pyramid', levels } };
  },
  flops({ inputs, params }) {
    const { h, w, c } = expectImage(inputs.image, 'image');
    const conv = (size: number, k: number, cin: number, cout: number) => 2 * size * k * k * cin * cout;
    let total = conv((h / 2) * (w / 2), params.stemKernel, c, params.stemChannels);
    let channels = params.stemChannels;
    params.depths.forEach((depth, s) => {
      const out = params.widths[s];
      const size = (h / 2 ** (s + 2)) * (w / 2 ** (s + 2));
      for (let i = 0; i < depth; i++) {
        if (params.block === 'basic') total += conv(size, 3, channels, out) + conv(size, 3, out, out);
        else total += conv(size, 1, channels, out / 4) + conv(size, 3, out / 4, out / 4) + conv(size, 1, out / 4, out);
        if (i === 0 && (s > 0 || channels !== out)) total += conv(size, 1, channels, out);
        channels = out;
      }
    });
    return total;
  },
  build(ctx) {
    const { params } = ctx;
    const inChannels = expectImage(ctx.inputs.image, 'image').c;
    const withBias = params.norm === 'none';
    const k = params.stemKernel;
    const stemConv = makeConv(ctx, 'stem.conv', inChannels, params.stemChannels, k, { stride: 2, padding: (k - 1) / 2, bias: withBias });
    const stemNorm = makeNorm(ctx, 'stem.norm', params.stemChannels, params.norm);
    type Block = (x: tf.Tensor4D, mode: Mode) => tf.Tensor4D;
    const stages: Block[][] = [];
    let channels = params.stemChannels;
    params.depths.forEach((depth, s) => {
      const out = params.widths[s];
      const blocks: Block[] = [];
      for (let i = 0; i < depth; i++) {
        const stride = i === 0 && s > 0 ? 2 : 1;
        const name = `res${s + 2}.${i}`;
        const convs: { conv: Conv; norm: Norm }[] = [];
        const add = (suffix: string, cin: number, cout: number, kernel: number, convStride: number) =>
          convs.push({
            conv: makeConv(ctx, `${name}.${suffix}`, cin, cout, kernel, { stride: convStride, padding: (kernel - 1) / 2, bias: withBias }),
            norm: makeNorm(ctx, `${name}.${suffix}.norm`, cout, params.norm),
          });
        if (params.block === 'basic') {
          add('conv1', channels, out, 3, stride);
          add('conv2', out, out, 3, 1);
        } else {
          const mid = out / 4;
          add('conv1', channels, mid, 1, 1);
          add('conv2', mid, mid, 3, stride);
          add('conv3', mid, out, 1, 1);
        }
        const shortcut =
          stride !== 1 || channels !== out
            ? {
                conv: makeConv(ctx, `${name}.shortcut`, channels, out, 1, { stride, bias: withBias }),
                norm: makeNorm(ctx, `${name}.shortcut.norm`, out, params.norm),
              }
            : null;
        blocks.push((x, mode) => {
          let y = x;
          convs.forEach(({ conv, norm }, j) => {
            y = norm(conv(y), mode);
            if (j < convs.length - 1) y = tf.relu(y);
          });
          const identity = shortcut ? shortcut.norm(shortcut.conv(x), mode) : x;
          return tf.relu(tf.add(y, identity));
        });
        channels = out;
      }
      stages.push(blocks);
    });
    const names = levelsFor(params.depths.length).names;
    return {
      forward(inputs, mode) {
        let x = tf.relu(stemNorm(stemConv(tensor4dOf(inputs.image, 'image')), mode));
        x = maxPool2dTorch(x, { kernel: 3, stride: 2, padding: 1 });
        const features: Record<string, tf.Tensor> = {};
        stages.forEach((blocks, s) => {
          for (const block of blocks) x = block(x, mode);
          features[names[s]] = x;
        });
        return { features };
      },
    };
  },
});
