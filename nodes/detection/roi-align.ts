import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { assignLevels, multiLevelRoiAlign } from '../../core/ops/detection/roi-align';
import { expectPyramid, levelSize } from '../../core/ops/detection/pyramid';
import { tensorOf } from '../../core/ops/value';
import { expectRank, pyramidOf } from './common';
import { elements } from '../flops';

export const roiAlignNode = defineNode({
  type: 'roi_align',
  version: 1,
  category: 'detection',
  title: 'RoIAlign',
  doc:
    'Pools a fixed-size feature map for every RoI from a feature pyramid, PyTorch torchvision.ops.roi_align / MultiScaleRoIAlign and ' +
    'detectron2 ROIPooler. Each RoI is bilinearly sampled on a samplingRatio×samplingRatio grid per output bin (0: ' +
    'ceil(RoI size / output size) per RoI) and the samples averaged, with torchvision\'s border rules; aligned shifts by half ' +
    'a pixel (ROIAlignV2, the Mask R-CNN default). With several levels, a RoI of size √area goes to level ' +
    '⌊canonicalLevel + log2(√area / canonicalBoxSize)⌋ clamped to the levels given (224 → level 4 in detectron2; scale ' +
    'canonicalBoxSize with your image size). Differentiable with respect to the features, not the boxes. Output R×S×S×C, ' +
    'an ordinary feature map: follow it with conv2d or a head.',
  inputs: {
    features: { kinds: ['pyramid'], doc: 'Feature pyramid (e.g. FPN P2…P5); a single level works as plain RoIAlign.' },
    rois: { kinds: ['rois'], doc: 'Regions R×5 (batch index, x1, y1, x2, y2 in input pixels).' },
  },
  outputs: {
    features: { kind: 'image', doc: 'Pooled features R×outputSize×outputSize×C.' },
  },
  params: {
    outputSize: p.int({ default: 7, min: 1, max: 64, doc: 'Output height and width (7 for box heads, 14 for mask heads).' }),
    samplingRatio: p.int({ default: 0, min: 0, max: 16, doc: 'Samples per bin along each axis; 0 adapts to the RoI size (ROIAlignV2).' }),
    aligned: p.bool({ default: true, doc: 'Half-pixel-correct sampling (ROIAlignV2); false reproduces the original Mask R-CNN RoIAlign.' }),
    levels: p.ints({ default: [2, 3, 4, 5], minLength: 1, maxLength: 8, min: 0, max: 10, doc: 'Pyramid levels to pool from, consecutive (2 = P2, stride 4).' }),
    canonicalBoxSize: p.float({ default: 224, min: 1, max: 100000, doc: 'RoI size (√area, pixels) that maps to canonicalLevel.' }),
    canonicalLevel: p.int({ default: 4, min: 0, max: 10, doc: 'Level a RoI of canonicalBoxSize is pooled from.' }),
  },
  inferShape({ inputs, params }) {
    const levels = expectPyramid(inputs.features, 'features');
    expectRank(inputs.rois, 'rois', 2, 'RoIs R×5');
    if (inputs.rois.shape![1] !== 5) throw new ShapeError(`input 'rois' must be R×5 (batch index, x1, y1, x2, y2), got R×${inputs.rois.shape![1]}`, { port: 'rois' });
    const wanted = params.levels;
    for (let i = 1; i < wanted.length; i++) {
      if (wanted[i] !== wanted[i - 1] + 1) throw new ShapeError(`levels must be consecutive and increasing, got [${wanted.join(', ')}]`, { param: 'levels' });
    }
    const chosen = wanted.map((index) => {
      const level = levels.find((l) => l.index === index);
      if (!level) {
        throw new ShapeError(`levels asks for level ${index}, but the pyramid has ${levels.map((l) => l.name).join(', ')}: pick levels it has`, { param: 'levels' });
      }
      return levelSize(level, 'features');
    });
    const channels = new Set(chosen.map((s) => s.c));
    if (channels.size > 1) throw new ShapeError(`the pooled levels have different channel counts (${[...channels].join(', ')}); pool levels of one FPN`, { port: 'features' });
    return { features: { kind: 'image', shape: [inputs.rois.shape![0], params.outputSize, params.outputSize, chosen[0].c] } };
  },
  // Each output value averages samplingRatio² bilinear samples (≈8 operations each; adaptive ratios taken as 2).
  flops: ({ outputs, params }) => 8 * (params.samplingRatio || 2) ** 2 * elements(outputs.features),
  build({ params }) {
    const minLevel = params.levels[0];
    const maxLevel = params.levels[params.levels.length - 1];
    const options = { outputSize: [params.outputSize, params.outputSize] as const, samplingRatio: params.samplingRatio, aligned: params.aligned };
    return {
      forward(inputs) {
        const pyramid = pyramidOf(inputs.features, 'features');
        const levels = params.levels.map((index) => {
          const level = pyramid.find((l) => l.index === index);
          if (!level) throw new Error(`input 'features' has no level ${index}`);
          return { features: level.tensor, spatialScale: 1 / 2 ** index };
        });
        const rois = tensorOf(inputs.rois, 'rois').dataSync();
        const levelOf = assignLevels(rois, minLevel, maxLevel, params.canonicalBoxSize, params.canonicalLevel).map((l) => l - minLevel);
        return { features: multiLevelRoiAlign(levels, rois, levelOf, options) };
      },
    };
  },
});
