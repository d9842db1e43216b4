import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { maxPool2dTorch } from '../../core/ops/pool';
import { nearestUpsample } from '../../core/ops/resize';
import { expectPyramid, levelSize } from '../../core/ops/detection/pyramid';
import type { Shape } from '../../core/types';
import { makeConv, pyramidOf, xavierFill } from './common';

export const fpn = defineNode({
  type: 'neck.fpn',
  version: 1,
  category: 'necks',
  title: 'Feature Pyramid Network',
  doc:
    'FPN (Lin et al. 2017; detectron2 modeling/backbone/fpn.py, PyTorch torchvision.ops.FeaturePyramidNetwork): every input level gets ' +
    'a 1×1 lateral conv to `channels`; from the coarsest level down, the running map is upsampled ×2 (nearest) and added to ' +
    'the next lateral, and each sum goes through a 3×3 output conv. Level Ck becomes Pk with the same stride. With p6, a ' +
    'max-pool of kernel 1 and stride 2 on the coarsest output adds one more level (P6 from P5), as Mask R-CNN\'s RPN uses. ' +
    'Each level must be exactly twice the size of the next coarser one (the backbone guarantees it for image sizes it ' +
    'divides). Convs use detectron2\'s c2_xavier_fill initialisation.',
  inputs: {
    features: { kinds: ['pyramid'], doc: 'Backbone pyramid, e.g. C2…C5.' },
  },
  outputs: {
    features: { kind: 'pyramid', doc: 'P levels with `channels` channels each (P2…P5, plus P6 when enabled).' },
  },
  params: {
    channels: p.int({ default: 256, min: 1, max: 4096, doc: 'Channels of every output level (256 in Mask R-CNN).' }),
    p6: p.bool({ default: true, doc: 'Add a level above the coarsest by max-pooling it with stride 2 (LastLevelMaxPool).' }),
  },
  inferShape({ inputs, params }) {
    const levels = expectPyramid(inputs.features, 'features');
    const sizes = levels.map((l) => levelSize(l, 'features'));
    for (let i = 0; i + 1 < levels.length; i++) {
      const [fine, coarse] = [sizes[i], sizes[i + 1]];
      if (levels[i + 1].index !== levels[i].index + 1 || fine.h !== 2 * coarse.h || fine.w !== 2 * coarse.w) {
        throw new ShapeError(
          `level ${levels[i].name} is ${fine.h}×${fine.w} and ${levels[i + 1].name} is ${coarse.h}×${coarse.w}: FPN needs consecutive levels, each ` +
            'exactly twice the size of the next, so that upsampling by 2 lines them up; feed images whose size the backbone divides',
          { port: 'features' },
        );
      }
    }
    const out: Record<string, Shape> = {};
    levels.forEach((l, i) => (out[`P${l.index}`] = [l.shape[0], sizes[i].h, sizes[i].w, params.channels]));
    if (params.p6) {
      const last = levels[levels.length - 1];
      const s = sizes[sizes.length - 1];
      out[`P${last.index + 1}`] = [last.shape[0], Math.floor((s.h - 1) / 2) + 1, Math.floor((s.w - 1) / 2) + 1, params.channels];
    }
    return { features: { kind: 'pyramid', levels: out } };
  },
  flops({ inputs, params }) {
    const c = params.channels;
    return expectPyramid(inputs.features, 'features').reduce((total, level) => {
      const { h, w, c: cin } = levelSize(level, 'features');
      return total + 2 * h * w * (cin * c + 9 * c * c);
    }, 0);
  },
  build(ctx) {
    const { params } = ctx;
    const levels = expectPyramid(ctx.inputs.features, 'features');
    const c = params.channels;
    const laterals = levels.map((l) => {
      const cin = levelSize(l, 'features').c;
      return makeConv(ctx, `lateral${l.index}`, cin, c, 1, { init: xavierFill(cin) });
    });
    const outputs = levels.map((l) => makeConv(ctx, `output${l.index}`, c, c, 3, { padding: 1, init: xavierFill(c * 9) }));
    return {
      forward(inputs) {
        const feats = pyramidOf(inputs.features, 'features');
        if (feats.length !== levels.length) throw new Error(`input 'features' has ${feats.length} levels, expected ${levels.length}`);
        const result: Record<string, tf.Tensor> = {};
        let running: tf.Tensor4D | null = null;
        for (let i = feats.length - 1; i >= 0; i--) {
          const lateral = laterals[i](feats[i].tensor);
          running = running ? (tf.add(lateral, nearestUpsample(running, 2)) as tf.Tensor4D) : lateral;
          result[`P${feats[i].index}`] = outputs[i](running);
        }
        if (params.p6) {
          const last = feats[feats.length - 1].index;
          result[`P${last + 1}`] = maxPool2dTorch(result[`P${last}`] as tf.Tensor4D, { kernel: 1, stride: 2 });
        }
        return { features: result };
      },
    };
  },
});
