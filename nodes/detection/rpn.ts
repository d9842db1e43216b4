/**
 * The region proposal network: anchors, the shared conv head, target
 * assignment with its loss, and proposal selection. Matching, sampling,
 * top-k and NMS are plain JS on values read from the tensors; gradients reach
 * the head only through the logits and deltas the losses compare.
 */
import { defineNode, ShapeError, type Value } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { normal } from '../../core/init';
import { gridAnchors } from '../../core/ops/detection/anchors';
import { clipBoxes, decodeBoxes, encodeBoxes, pairwiseIou, type BoxWeights } from '../../core/ops/detection/boxes';
import { matchPredictions, subsampleLabels } from '../../core/ops/detection/matching';
import { batchedNms } from '../../core/ops/detection/nms';
import { expectPyramid, levelSize, type PyramidLevel } from '../../core/ops/detection/pyramid';
import { bceWithLogitsElementwise } from '../../core/ops/losses';
import { expectImage } from '../../core/ops/shape';
import { tensorOf } from '../../core/ops/value';
import type { Shape, ValueType } from '../../core/types';
import { expectRank, makeConv, normalizedSum, pyramidOf, readTruth, smoothL1 } from './common';
import { elements, noArithmetic } from '../flops';

const boxWeightsParam = (defaults: [number, number, number, number], what: string) =>
  p.floats({ default: defaults, length: 4, min: 0.001, doc: `Box-coding weights (wx, wy, ww, wh) ${what}.` });

export const anchors = defineNode({
  type: 'detection.anchors',
  version: 1,
  category: 'detection',
  title: 'Anchor generator',
  doc:
    'Reference boxes for every cell of every pyramid level, detectron2 DefaultAnchorGenerator / PyTorch torchvision AnchorGenerator: ' +
    'one box per aspect ratio (height/width) with area size², centred at (cell + offset)·stride, where the stride is read ' +
    'from the level name (P2 = 4 … P6 = 64). Mask R-CNN uses one size per level, 32/64/128/256/512 on P2…P6, ratios ' +
    '0.5/1/2 and offset 0; for small images choose sizes near the object sizes. Output per level: H·W·A×4 boxes (x1, y1, ' +
    'x2, y2 in input pixels), location-major and anchor-minor, the order an RPN head\'s N×H×W×A outputs flatten in.',
  inputs: {
    features: { kinds: ['pyramid'], doc: 'The pyramid the RPN head runs on (only its level sizes are used).' },
  },
  outputs: {
    anchors: { kind: 'pyramid', doc: 'Anchors per level, H·W·A×4.' },
  },
  params: {
    sizes: p.floats({ default: [32, 64, 128, 256, 512], minLength: 1, maxLength: 8, min: 1, doc: 'Anchor size (√area, pixels) of each level, finest first; one entry per level.' }),
    aspectRatios: p.floats({ default: [0.5, 1, 2], minLength: 1, maxLength: 8, min: 0.01, doc: 'Height/width ratios, the same on every level.' }),
    offset: p.float({ default: 0, min: 0, max: 1, doc: 'Anchor centres sit at (cell + offset)·stride: 0 is the cell\'s corner (detectron2), 0.5 its centre.' }),
  },
  inferShape({ inputs, params }) {
    const levels = expectPyramid(inputs.features, 'features');
    if (params.sizes.length !== levels.length) {
      throw new ShapeError(
        `sizes has ${params.sizes.length} entries but the pyramid has ${levels.length} levels (${levels.map((l) => l.name).join(', ')}): give one anchor size per level`,
        { param: 'sizes' },
      );
    }
    const out: Record<string, Shape> = {};
    for (const level of levels) {
      const { h, w } = levelSize(level, 'features');
      out[level.name] = [h * w * params.aspectRatios.length, 4];
    }
    return { anchors: { kind: 'pyramid', levels: out } };
  },
  // Anchors are constants, made once at build.
  flops: noArithmetic,
  build(ctx) {
    const { params } = ctx;
    const levels = expectPyramid(ctx.inputs.features, 'features');
    const values = levels.map((level, i) => {
      const { h, w } = levelSize(level, 'features');
      return { name: level.name, data: gridAnchors(h, w, level.stride, [params.sizes[i]], params.aspectRatios, params.offset) };
    });
    return {
      forward: () => {
        const out: Record<string, tf.Tensor> = {};
        for (const { name, data } of values) out[name] = tf.tensor2d(data, [data.length / 4, 4]);
        return { anchors: out };
      },
    };
  },
});

export const rpnHead = defineNode({
  type: 'rpn.head',
  version: 1,
  category: 'detection',
  title: 'RPN head',
  doc:
    'The region proposal network\'s head, detectron2 StandardRPNHead / PyTorch torchvision RPNHead: on every pyramid level, with ' +
    'weights shared across levels, a 3×3 conv + ReLU, then a 1×1 conv giving one objectness logit per anchor (A) and one ' +
    'giving 4 box deltas per anchor (4A, anchor-major: channel 4a+k is delta k of anchor a). Weights N(0, 0.01), biases 0. ' +
    'Every level must have the same channel count (an FPN output does).',
  inputs: {
    features: { kinds: ['pyramid'], doc: 'Feature pyramid, e.g. FPN P2…P6.' },
  },
  outputs: {
    objectness: { kind: 'pyramid', doc: 'Objectness logits per level, N×H×W×A.' },
    deltas: { kind: 'pyramid', doc: 'Box deltas per level, N×H×W×4A.' },
  },
  params: {
    anchorsPerLocation: p.int({ default: 3, min: 1, max: 64, doc: 'A: anchors per cell, the number of aspect ratios × sizes per level of the anchor generator.' }),
  },
  inferShape({ inputs, params }) {
    const levels = expectPyramid(inputs.features, 'features');
    const channels = new Set(levels.map((l) => levelSize(l, 'features').c));
    if (channels.size > 1) {
      throw new ShapeError(`the RPN head shares its convs across levels, so every level needs the same channels; got ${[...channels].join(', ')}: put an FPN in front`, {
        port: 'features',
      });
    }
    const objectness: Record<string, Shape> = {};
    const deltas: Record<string, Shape> = {};
    for (const level of levels) {
      const { h, w } = levelSize(level, 'features');
      objectness[level.name] = [level.shape[0], h, w, params.anchorsPerLocation];
      deltas[level.name] = [level.shape[0], h, w, 4 * params.anchorsPerLocation];
    }
    return { objectness: { kind: 'pyramid', levels: objectness }, deltas: { kind: 'pyramid', levels: deltas } };
  },
  flops({ inputs, params }) {
    const a = params.anchorsPerLocation;
    return expectPyramid(inputs.features, 'features').reduce((total, level) => {
      const { h, w, c } = levelSize(level, 'features');
      return total + 2 * h * w * c * (9 * c + 5 * a);
    }, 0);
  },
  build(ctx) {
    const levels = expectPyramid(ctx.inputs.features, 'features');
    const c = levelSize(levels[0], 'features').c;
    const a = ctx.params.anchorsPerLocation;
    const init = normal(0, 0.01);
    const conv = makeConv(ctx, 'conv', c, c, 3, { padding: 1, init });
    const objectnessConv = makeConv(ctx, 'objectness', c, a, 1, { init });
    const deltaConv = makeConv(ctx, 'deltas', c, 4 * a, 1, { init });
    return {
      forward(inputs) {
        const objectness: Record<string, tf.Tensor> = {};
        const deltas: Record<string, tf.Tensor> = {};
        for (const level of pyramidOf(inputs.features, 'features')) {
          const x = tf.relu(conv(level.tensor));
          objectness[level.name] = objectnessConv(x);
          deltas[level.name] = deltaConv(x);
        }
        return { objectness, deltas };
      },
    };
  },
});

/** Checks that anchors, objectness and deltas describe the same levels and anchor counts; returns the levels. */
function checkRpnInputs(anchorsType: ValueType, objectnessType: ValueType, deltasType: ValueType): PyramidLevel[] {
  const anchorLevels = expectPyramid(anchorsType, 'anchors');
  const objectnessLevels = expectPyramid(objectnessType, 'objectness');
  const deltaLevels = expectPyramid(deltasType, 'deltas');
  const names = (ls: PyramidLevel[]) => ls.map((l) => l.name).join(', ');
  if (names(anchorLevels) !== names(objectnessLevels) || names(anchorLevels) !== names(deltaLevels)) {
    throw new ShapeError(
      `anchors (${names(anchorLevels)}), objectness (${names(objectnessLevels)}) and deltas (${names(deltaLevels)}) must have the same levels: ` +
        'wire the anchor generator and the RPN head to the same pyramid',
      { port: 'anchors' },
    );
  }
  objectnessLevels.forEach((level, i) => {
    const [, h, w, a] = level.shape;
    const count = anchorLevels[i].shape[0];
    if (typeof h !== 'number' || typeof w !== 'number' || typeof a !== 'number' || count !== h * w * a) {
      throw new ShapeError(
        `level ${level.name}: ${count} anchors but the objectness map ${level.shape.join('×')} scores ${[h, w, a].join('·')} of them: ` +
          'set the RPN head\'s anchorsPerLocation to the number of aspect ratios of the anchor generator',
        { port: 'objectness' },
      );
    }
    if (deltaLevels[i].shape[3] !== 4 * a) {
      throw new ShapeError(`level ${level.name}: deltas need 4·${a} channels, got ${deltaLevels[i].shape[3]}`, { port: 'deltas' });
    }
  });
  return objectnessLevels;
}

/** Anchors of all levels concatenated, with the first anchor index of each level. */
function flatAnchors(value: Value | undefined): { boxes: Float32Array; starts: number[]; counts: number[] } {
  const levels = pyramidOf2d(value, 'anchors');
  const total = levels.reduce((s, l) => s + l.tensor.shape[0], 0);
  const boxes = new Float32Array(total * 4);
  const starts: number[] = [];
  const counts: number[] = [];
  let at = 0;
  for (const level of levels) {
    boxes.set(level.tensor.dataSync(), at * 4);
    starts.push(at);
    counts.push(level.tensor.shape[0]);
    at += level.tensor.shape[0];
  }
  return { boxes, starts, counts };
}

function pyramidOf2d(value: Value | undefined, port: string): { name: string; tensor: tf.Tensor }[] {
  if (value === undefined || value instanceof tf.Tensor) throw new Error(`input '${port}' must be the anchor generator's pyramid of boxes`);
  return Object.entries(value)
    .map(([name, tensor]) => ({ name, tensor }))
    .sort((a, b) => Number(a.name.slice(1)) - Number(b.name.slice(1)));
}

/** Objectness logits N×ΣHWA and deltas N×ΣHWA×4, levels concatenated in anchor order. */
function flatPredictions(objectness: Value | undefined, deltas: Value | undefined): { logits: tf.Tensor2D; deltas: tf.Tensor3D } {
  const obj = pyramidOf(objectness, 'objectness');
  const del = pyramidOf(deltas, 'deltas');
  const n = obj[0].tensor.shape[0];
  const logits = tf.concat(obj.map((l) => tf.reshape(l.tensor, [n, -1])), 1) as tf.Tensor2D;
  const d = tf.concat(del.map((l) => tf.reshape(l.tensor, [n, -1, 4])), 1) as tf.Tensor3D;
  return { logits, deltas: d };
}

const rpnInputs = {
  anchors: { kinds: ['pyramid'], doc: 'Anchors per level from the anchor generator.' },
  objectness: { kinds: ['pyramid'], doc: 'Objectness logits per level from the RPN head.' },
  deltas: { kinds: ['pyramid'], doc: 'Box deltas per level from the RPN head.' },
} as const;

export const rpnLoss = defineNode({
  type: 'rpn.loss',
  version: 1,
  category: 'detection',
  title: 'RPN targets and loss',
  doc:
    'Assigns RPN training targets and scores the head, detectron2 RPN.losses / PyTorch torchvision RegionProposalNetwork: each ' +
    'anchor is matched to the ground-truth box it overlaps most; IoU ≥ 0.7 is foreground, < 0.3 background, in between ' +
    'ignored, and each ground truth\'s best anchors are foreground too (low-quality matches). Per image, 256 anchors are ' +
    'sampled, at most half foreground. Objectness: binary cross-entropy with logits summed over sampled anchors; box: L1 ' +
    '(smooth-L1 with beta) between predicted and target deltas (weights 1,1,1,1) summed over sampled foreground; both ' +
    'divided by 256 × images. Output loss = objectness + boxWeight × box; the two parts are outputs too. Sampling draws ' +
    'from the step\'s seeded generator.',
  inputs: {
    ...rpnInputs,
    boxes: { kinds: ['boxes'], doc: 'Ground-truth boxes N×K×4 (x1, y1, x2, y2), padded.' },
    classes: { kinds: ['labels'], doc: 'Ground-truth classes N×K; 0 marks padding.' },
  },
  outputs: {
    loss: { kind: 'loss', doc: 'objectness + boxWeight · box.' },
    objectnessLoss: { kind: 'loss', doc: 'Objectness BCE part.' },
    boxLoss: { kind: 'loss', doc: 'Box regression part.' },
  },
  params: {
    iouThresholds: p.floats({ default: [0.3, 0.7], length: 2, min: 0, max: 1, doc: 'Below the first: background; from the second: foreground; between: ignored.' }),
    batchSizePerImage: p.int({ default: 256, min: 1, max: 100000, doc: 'Anchors sampled per image for the loss.' }),
    positiveFraction: p.float({ default: 0.5, min: 0, max: 1, doc: 'Largest share of foreground among the sampled anchors.' }),
    boxWeights: boxWeightsParam([1, 1, 1, 1], 'for the RPN (detectron2 RPN.BBOX_REG_WEIGHTS)'),
    smoothL1Beta: p.float({ default: 0, min: 0, max: 10, doc: 'Smooth-L1 transition point; 0 is plain L1 (detectron2\'s default).' }),
    boxWeight: p.float({ default: 1, min: 0, max: 100, doc: 'Weight of the box loss in the combined loss.' }),
  },
  inferShape({ inputs, params }) {
    checkRpnInputs(inputs.anchors, inputs.objectness, inputs.deltas);
    expectRank(inputs.boxes, 'boxes', 3, 'ground-truth boxes N×K×4');
    expectRank(inputs.classes, 'classes', 2, 'ground-truth classes N×K');
    if (params.iouThresholds[0] > params.iouThresholds[1]) {
      throw new ShapeError(`iouThresholds must be increasing, got [${params.iouThresholds.join(', ')}]`, { param: 'iouThresholds' });
    }
    const scalar: ValueType = { kind: 'loss', shape: [] };
    return { loss: scalar, objectnessLoss: scalar, boxLoss: scalar };
  },
  // Matching every anchor against every box (≈15 per pair) dominates; counted per box slot and anchor.
  flops: ({ inputs }) => 15 * elements(inputs.anchors) / 4 * Math.max(1, elements(inputs.boxes) / 4),
  build({ params }) {
    const weights = params.boxWeights as unknown as BoxWeights;
    return {
      forward(inputs, mode) {
        const anchorSet = flatAnchors(inputs.anchors);
        const total = anchorSet.boxes.length / 4;
        const truth = readTruth(tensorOf(inputs.boxes, 'boxes'), tensorOf(inputs.classes, 'classes'));
        const n = truth.length;
        const objTarget = new Float32Array(n * total);
        const objWeight = new Float32Array(n * total);
        const deltaTarget = new Float32Array(n * total * 4);
        const deltaWeight = new Float32Array(n * total * 4);
        const rng = mode.rng.fork('rpn-sample');
        truth.forEach((gt, b) => {
          const numGt = gt.classes.length;
          const iou = pairwiseIou(gt.boxes, anchorSet.boxes);
          const { matches, labels } = matchPredictions(iou, numGt, total, {
            thresholds: params.iouThresholds,
            labels: [0, -1, 1],
            allowLowQualityMatches: true,
          });
          const { positive, negative } = subsampleLabels(labels, params.batchSizePerImage, params.positiveFraction, 0, rng);
          for (const i of negative) objWeight[b * total + i] = 1;
          if (positive.length === 0) return;
          const src = new Float32Array(positive.length * 4);
          const dst = new Float32Array(positive.length * 4);
          positive.forEach((i, j) => {
            objWeight[b * total + i] = 1;
            objTarget[b * total + i] = 1;
            src.set(anchorSet.boxes.subarray(4 * i, 4 * i + 4), 4 * j);
            dst.set(gt.boxes.subarray(4 * matches[i], 4 * matches[i] + 4), 4 * j);
          });
          const encoded = encodeBoxes(src, dst, weights);
          positive.forEach((i, j) => {
            deltaTarget.set(encoded.subarray(4 * j, 4 * j + 4), (b * total + i) * 4);
            deltaWeight.fill(1, (b * total + i) * 4, (b * total + i) * 4 + 4);
          });
        });
        const { logits, deltas } = flatPredictions(inputs.objectness, inputs.deltas);
        if (logits.shape[1] !== total) throw new Error(`${total} anchors but ${logits.shape[1]} objectness logits; wire anchors and head to the same pyramid`);
        const normalizer = params.batchSizePerImage * n;
        const objectnessLoss = normalizedSum(
          tf.mul(bceWithLogitsElementwise(logits, tf.tensor2d(objTarget, [n, total])), tf.tensor2d(objWeight, [n, total])),
          normalizer,
        );
        const boxLoss = normalizedSum(
          tf.mul(smoothL1(tf.sub(deltas, tf.tensor3d(deltaTarget, [n, total, 4])), params.smoothL1Beta), tf.tensor3d(deltaWeight, [n, total, 4])),
          normalizer,
        );
        return { loss: tf.add(objectnessLoss, tf.mul(boxLoss, params.boxWeight)), objectnessLoss, boxLoss };
      },
    };
  },
});

export const rpnProposals = defineNode({
  type: 'rpn.proposals',
  version: 1,
  category: 'detection',
  title: 'RPN proposals',
  doc:
    'Turns RPN outputs into region proposals, detectron2 find_top_rpn_proposals / PyTorch torchvision RegionProposalNetwork.filter_proposals: ' +
    'per image and level, the top-k anchors by objectness are decoded with their deltas (weights 1,1,1,1, size change ' +
    'clamped at log(1000/16)), clipped to the image, boxes no larger than minSize dropped, NMS at 0.7 run per level, and ' +
    'the best postNmsTopK kept across levels. Training and inference have separate top-k settings (2000/1000 per level ' +
    'and 1000 after NMS in Mask R-CNN). Not differentiated: the proposals are data for the RoI heads. Output: R×5 rows ' +
    '(batch index, x1, y1, x2, y2), images in order, best first within each.',
  inputs: {
    ...rpnInputs,
    image: { kinds: ['image'], doc: 'The input images, for their height and width (proposals are clipped to them).' },
  },
  outputs: {
    proposals: { kind: 'rois', doc: 'Proposals R×5 (batch index, x1, y1, x2, y2).' },
  },
  params: {
    preNmsTopKTrain: p.int({ default: 2000, min: 1, max: 100000, doc: 'Proposals kept per level before NMS, in training.' }),
    preNmsTopKTest: p.int({ default: 1000, min: 1, max: 100000, doc: 'Proposals kept per level before NMS, at inference.' }),
    postNmsTopKTrain: p.int({ default: 1000, min: 1, max: 100000, doc: 'Proposals kept per image after NMS, in training.' }),
    postNmsTopKTest: p.int({ default: 1000, min: 1, max: 100000, doc: 'Proposals kept per image after NMS, at inference.' }),
    nmsThreshold: p.float({ default: 0.7, min: 0, max: 1, doc: 'IoU above which a lower-scoring proposal of the same level is dropped.' }),
    minSize: p.float({ default: 0, min: 0, max: 10000, doc: 'Proposals whose width or height is not above this (pixels) are dropped.' }),
    boxWeights: boxWeightsParam([1, 1, 1, 1], 'used to decode the RPN deltas'),
  },
  inferShape({ inputs }) {
    checkRpnInputs(inputs.anchors, inputs.objectness, inputs.deltas);
    expectImage(inputs.image, 'image');
    return { proposals: { kind: 'rois', shape: ['R', 5] } };
  },
  // Decoding and clipping each anchor's box, before the top-k and NMS.
  flops: ({ inputs }) => 20 * elements(inputs.deltas) / 4,
  build({ params, inputs: inputTypes }) {
    const weights = params.boxWeights as unknown as BoxWeights;
    const { h: height, w: width } = expectImage(inputTypes.image, 'image');
    return {
      forward(inputs, mode) {
        const anchorSet = flatAnchors(inputs.anchors);
        const total = anchorSet.boxes.length / 4;
        const { logits, deltas } = tf.tidy(() => {
          const flat = flatPredictions(inputs.objectness, inputs.deltas);
          return { logits: flat.logits.dataSync(), deltas: flat.deltas.dataSync() };
        });
        const n = logits.length / total;
        const preK = mode.training ? params.preNmsTopKTrain : params.preNmsTopKTest;
        const postK = mode.training ? params.postNmsTopKTrain : params.postNmsTopKTest;
        const rows: number[] = [];
        for (let b = 0; b < n; b++) {
          const candidates: number[] = [];
          anchorSet.starts.forEach((start, l) => {
            const count = anchorSet.counts[l];
            const order = Array.from({ length: count }, (_, i) => start + i);
            order.sort((x, y) => logits[b * total + y] - logits[b * total + x] || x - y);
            for (const i of order.slice(0, preK)) candidates.push(i);
          });
          const src = new Float32Array(candidates.length * 4);
          const del = new Float32Array(candidates.length * 4);
          candidates.forEach((i, j) => {
            src.set(anchorSet.boxes.subarray(4 * i, 4 * i + 4), 4 * j);
            del.set(deltas.subarray((b * total + i) * 4, (b * total + i) * 4 + 4), 4 * j);
          });
          const boxes = clipBoxes(decodeBoxes(del, src, weights), height, width);
          const keep: number[] = [];
          const scores: number[] = [];
          const levelOf: number[] = [];
          candidates.forEach((i, j) => {
            const bw = boxes[4 * j + 2] - boxes[4 * j];
            const bh = boxes[4 * j + 3] - boxes[4 * j + 1];
            const score = logits[b * total + i];
            if (!(bw > params.minSize && bh > params.minSize) || !Number.isFinite(score) || !Number.isFinite(bw + bh)) return;
            keep.push(j);
            scores.push(score);
            levelOf.push(anchorSet.starts.findLastIndex((s) => s <= i));
          });
          const kept = new Float32Array(keep.length * 4);
          keep.forEach((j, k) => kept.set(boxes.subarray(4 * j, 4 * j + 4), 4 * k));
          const order = batchedNms(kept, scores, levelOf, params.nmsThreshold);
          for (const k of order.slice(0, postK)) rows.push(b, kept[4 * k], kept[4 * k + 1], kept[4 * k + 2], kept[4 * k + 3]);
        }
        return { proposals: tf.tensor2d(rows, [rows.length / 5, 5]) };
      },
    };
  },
});
