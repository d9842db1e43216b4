/**
 * Target assignment, losses and post-processing of the Mask R-CNN nodes
 * against hand-worked values.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import type { AnyNodeDefinition, Value } from '../../../core/node-api';
import type { ValueType } from '../../../core/types';
import { nodeRegistry } from '../../../nodes/registry';
import { buildNode } from '../harness';

const registry = nodeRegistry as Record<string, AnyNodeDefinition>;
const softplus = (x: number) => Math.log1p(Math.exp(x));
const pyramidType = (levels: Record<string, (number | string)[]>): ValueType => ({ kind: 'pyramid', levels });
const roisType: ValueType = { kind: 'rois', shape: ['R', 5] };
const gtTypes = (k: number) => ({ boxes: { kind: 'boxes', shape: ['N', k, 4] } as ValueType, classes: { kind: 'labels', shape: ['N', k] } as ValueType });
const roiTargets: ValueType = {
  kind: 'target',
  fields: { classes: { kind: 'labels', shape: ['R'] }, boxTargets: { kind: 'tensor', shape: ['R', 4] }, gtSlots: { kind: 'labels', shape: ['R'] } },
};

function run(type: string, types: Record<string, ValueType>, params: Record<string, unknown>, inputs: Record<string, Value>, training = true) {
  const node = buildNode(registry[type], types, params);
  const out = node.run(inputs, { training, rng: new Rng(3) });
  const read: Record<string, number[] | Record<string, number[]>> = {};
  for (const [port, v] of Object.entries(out)) {
    read[port] = v instanceof tf.Tensor ? Array.from(v.dataSync()) : Object.fromEntries(Object.entries(v ?? {}).map(([k, t]) => [k, Array.from(t.dataSync())]));
  }
  tf.dispose(out as never);
  node.dispose();
  return read as Record<string, number[]> & Record<string, Record<string, number[]>>;
}

// Four anchors on a 2×2 grid of 8-pixel cells, one per cell.
const ANCHORS = [0, 0, 8, 8, 8, 0, 16, 8, 0, 8, 8, 16, 8, 8, 16, 16];
const rpnTypes = {
  anchors: pyramidType({ P3: [4, 4] }),
  objectness: pyramidType({ P3: ['N', 2, 2, 1] }),
  deltas: pyramidType({ P3: ['N', 2, 2, 4] }),
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('rpn.loss', () => {
  it('labels, samples and normalises as detectron2: BCE and L1 sums over 256 × images', () => {
    const logits = [2, -1, 0.5, 0, /* image 1, no objects */ 1, 1, -2, 0];
    const deltas = [0.1, -0.2, 0.3, 0, ...new Array(12).fill(0.5), ...new Array(16).fill(0.7)];
    const inputs = {
      anchors: { P3: tf.tensor2d(ANCHORS, [4, 4]) },
      objectness: { P3: tf.tensor4d(logits, [2, 2, 2, 1]) },
      deltas: { P3: tf.tensor4d(deltas, [2, 2, 2, 4]) },
      // Image 0: one object exactly on anchor 0; image 1: padding only.
      boxes: tf.tensor3d([0, 0, 8, 8, 0, 0, 0, 0], [2, 1, 4]),
      classes: tf.tensor2d([3, 0], [2, 1], 'int32'),
    };
    const out = run('rpn.loss', { ...rpnTypes, ...gtTypes(1) }, {}, inputs);
    // Every anchor is labelled and 256 > 4, so all are sampled: anchor 0 positive, the rest negative.
    const objectness = softplus(-2) + softplus(-1) + softplus(0.5) + softplus(0) + softplus(1) + softplus(1) + softplus(-2) + softplus(0);
    expect(out.objectnessLoss[0]).toBeCloseTo(objectness / 512, 6);
    expect(out.boxLoss[0]).toBeCloseTo((0.1 + 0.2 + 0.3) / 512, 6);
    expect(out.loss[0]).toBeCloseTo((objectness + 0.6) / 512, 6);
    tf.dispose(inputs);
  });

  it('gradients reach the objectness logits and the positive anchors\' deltas only', () => {
    const node = buildNode(registry['rpn.loss'], { ...rpnTypes, ...gtTypes(1) }, {});
    const fixed = { anchors: { P3: tf.tensor2d(ANCHORS, [4, 4]) }, boxes: tf.tensor3d([1, 0, 9, 8], [1, 1, 4]), classes: tf.tensor2d([1], [1, 1], 'int32') };
    const logits = tf.zeros([1, 2, 2, 1]);
    const deltas = tf.zeros([1, 2, 2, 4]);
    const [gLogits, gDeltas] = tf.grads((l: tf.Tensor, d: tf.Tensor) => node.run({ ...fixed, objectness: { P3: l }, deltas: { P3: d } }, { rng: new Rng(1) }).loss as tf.Scalar)([logits, deltas]);
    // d/dx softplus(x) − x·z at 0 is 1/2 − z: −1/2 for the positive anchor, +1/2 for negatives, over 256.
    expect(Array.from(gLogits.dataSync()).map((v) => v * 256)).toEqual([-0.5, 0.5, 0.5, 0.5].map((v) => expect.closeTo(v, 5)));
    const g = Array.from(gDeltas.dataSync());
    expect(g.slice(4).every((v) => v === 0)).toBe(true);
    expect(g.slice(0, 4).some((v) => v !== 0)).toBe(true);
    tf.dispose([logits, deltas, gLogits, gDeltas, fixed]);
    node.dispose();
  });
});

describe('rpn.proposals', () => {
  const inputsFor = (logits: number[]) => ({
    // Anchor 1 is moved to overlap anchor 0 (IoU 56/72 ≈ 0.78 > 0.7).
    anchors: { P3: tf.tensor2d([0, 0, 8, 8, 1, 0, 9, 8, 0, 8, 8, 16, 8, 8, 24, 16], [4, 4]) },
    objectness: { P3: tf.tensor4d(logits, [1, 2, 2, 1]) },
    deltas: { P3: tf.zeros([1, 2, 2, 4]) },
    image: tf.zeros([1, 16, 16, 3]),
  });
  const types = { ...rpnTypes, image: { kind: 'image', shape: ['N', 16, 16, 3] } as ValueType };

  it('keeps the top-k by objectness, clips to the image, suppresses overlaps, best first', () => {
    const inputs = inputsFor([3, 2.5, 2, 0]);
    const out = run('rpn.proposals', types, {}, inputs);
    // Anchor 1 is suppressed by anchor 0; anchor 3 is clipped at x = 16.
    expect(out.proposals).toEqual([0, 0, 0, 8, 8, 0, 0, 8, 8, 16, 0, 8, 8, 16, 16]);
    const few = run('rpn.proposals', types, { preNmsTopKTest: 2, postNmsTopKTest: 1 }, inputs, false);
    expect(few.proposals).toEqual([0, 0, 0, 8, 8]);
    tf.dispose(inputs);
  });
});

describe('roi_heads.sample', () => {
  const types = { proposals: roisType, ...gtTypes(2) };
  const inputs = () => ({
    proposals: tf.tensor2d([0, 2, 2, 10, 10, 0, 20, 20, 30, 30], [2, 5]),
    // Slot 0 is padding, the object (class 2) sits in slot 1.
    boxes: tf.tensor3d([0, 0, 0, 0, 2, 2, 10, 10], [1, 2, 4]),
    classes: tf.tensor2d([0, 2], [1, 2], 'int32'),
  });

  it('in training adds the ground truth, samples foreground first, with class, deltas and slot targets', () => {
    const given = inputs();
    const out = run('roi_heads.sample', types, { batchSizePerImage: 4, positiveFraction: 0.5 }, given);
    expect(out.targets.classes).toEqual([2, 2, 0]);
    expect(out.targets.gtSlots).toEqual([1, 1, -1]);
    expect(out.targets.boxTargets.slice(0, 8).every((v) => Math.abs(v) < 1e-6)).toBe(true);
    // Both foreground RoIs are the object's box (the proposal and the added ground truth).
    expect(out.rois.slice(0, 10)).toEqual([0, 2, 2, 10, 10, 0, 2, 2, 10, 10]);
    expect(out.rois.slice(10)).toEqual([0, 20, 20, 30, 30]);
    tf.dispose(given);
  });

  it('at inference passes every proposal through, matched but not sampled', () => {
    const given = inputs();
    const out = run('roi_heads.sample', types, { batchSizePerImage: 1 }, given, false);
    expect(out.rois).toEqual([0, 2, 2, 10, 10, 0, 20, 20, 30, 30]);
    expect(out.targets.classes).toEqual([2, 0]);
    tf.dispose(given);
  });
});

describe('roi_heads.box_loss', () => {
  it('is mean cross-entropy plus the L1 of the true class\'s deltas over the number of RoIs', () => {
    const deltas = Array.from({ length: 24 }, (_, i) => i / 10);
    const inputs = {
      classLogits: tf.tensor2d([0, 0, 0, 0, 1, 0, 0, 0], [2, 4]),
      boxDeltas: tf.tensor2d(deltas, [2, 12]),
      targets: { classes: tf.tensor1d([2, 0], 'int32'), boxTargets: tf.tensor2d([0.5, -1, 0.2, 0.1, 9, 9, 9, 9], [2, 4]), gtSlots: tf.tensor1d([0, -1], 'int32') },
    };
    const out = run('roi_heads.box_loss', { classLogits: { kind: 'vector', shape: ['R', 4] }, boxDeltas: { kind: 'vector', shape: ['R', 12] }, targets: roiTargets }, {}, inputs);
    const ce = (Math.log(4) + Math.log((Math.E + 3) / Math.E)) / 2;
    // RoI 0 is class 2: columns 4…7 hold 0.4…0.7; background RoI 1 adds nothing.
    const l1 = Math.abs(0.4 - 0.5) + Math.abs(0.5 + 1) + Math.abs(0.6 - 0.2) + Math.abs(0.7 - 0.1);
    expect(out.classLoss[0]).toBeCloseTo(ce, 6);
    expect(out.boxLoss[0]).toBeCloseTo(l1 / 2, 6);
    expect(out.loss[0]).toBeCloseTo(ce + l1 / 2, 6);
    tf.dispose(inputs);
  });
});

describe('roi_heads.detections', () => {
  it('scores with softmax, decodes per class, clips, and runs NMS within each class only', () => {
    const big = 6;
    const inputs = {
      // RoIs 0 and 1 overlap (IoU 0.82); 0 says class 1, 1 says class 1 less surely; RoI 2 is class 2 on the same box as 0.
      classLogits: tf.tensor2d([0, big, 0, 0, 0, big - 1, 0, 0, 0, 0, big, 0], [3, 4]),
      boxDeltas: tf.zeros([3, 12]),
      rois: tf.tensor2d([0, 0, 0, 10, 10, 0, 1, 0, 11, 10, 0, 0, 0, 10, 10], [3, 5]),
      image: tf.zeros([1, 32, 32, 3]),
    };
    const out = run('roi_heads.detections', {
      classLogits: { kind: 'vector', shape: ['R', 4] },
      boxDeltas: { kind: 'vector', shape: ['R', 12] },
      rois: roisType,
      image: { kind: 'image', shape: ['N', 32, 32, 3] },
    }, { scoreThreshold: 0.05 }, inputs, false);
    const p = Math.exp(big) / (Math.exp(big) + 3);
    expect(out.classes).toEqual([1, 2]);
    expect(out.scores).toEqual([expect.closeTo(p, 5), expect.closeTo(p, 5)]);
    expect(out.boxes).toEqual([0, 0, 0, 10, 10, 0, 0, 0, 10, 10]);
    tf.dispose(inputs);
  });
});

describe('mask branch', () => {
  const maskTypes = {
    maskLogits: { kind: 'mask', shape: ['R', 4, 4, 2] } as ValueType,
    rois: roisType,
    targets: { kind: 'target', fields: { classes: { kind: 'labels', shape: ['R'] }, gtSlots: { kind: 'labels', shape: ['R'] } } } as ValueType,
    masks: { kind: 'mask', shape: ['N', 16, 16, 2] } as ValueType,
  };
  // Object 1 of image 0 fills the square 4…12.
  const gt = () => {
    const values = new Float32Array(16 * 16 * 2);
    for (let y = 4; y < 12; y++) for (let x = 4; x < 12; x++) values[(y * 16 + x) * 2 + 1] = 1;
    return tf.tensor4d(values, [1, 16, 16, 2]);
  };
  const lossFor = (classChannel: number, other: number) => {
    const logits = new Float32Array(4 * 4 * 2);
    for (let i = 0; i < 16; i++) {
      logits[i * 2] = classChannel;
      logits[i * 2 + 1] = other;
    }
    const inputs = {
      maskLogits: tf.tensor4d(logits, [1, 4, 4, 2]),
      rois: tf.tensor2d([0, 4, 4, 12, 12], [1, 5]),
      targets: { classes: tf.tensor1d([1], 'int32'), gtSlots: tf.tensor1d([1], 'int32') },
      masks: gt(),
    };
    const out = run('roi_heads.mask_loss', maskTypes, {}, inputs);
    tf.dispose(inputs);
    return out.loss[0];
  };

  it('mask loss: BCE on the true class\'s channel only, against the object cropped to the RoI', () => {
    // The RoI is the object's box, so every target pixel is 1: logit +10 costs softplus(−10).
    expect(lossFor(10, -10)).toBeCloseTo(softplus(-10), 6);
    expect(lossFor(-10, 10)).toBeCloseTo(softplus(10), 4);
    expect(lossFor(0, 5)).toBeCloseTo(Math.log(2), 6);
  });

  it('mask RoIs: foreground of the sample in training, the detections at inference', () => {
    const inputs = {
      rois: tf.tensor2d([0, 1, 1, 5, 5, 0, 2, 2, 6, 6, 0, 3, 3, 7, 7], [3, 5]),
      targets: { classes: tf.tensor1d([0, 3, 1], 'int32'), boxTargets: tf.zeros([3, 4]), gtSlots: tf.tensor1d([-1, 2, 0], 'int32') },
      detections: tf.tensor2d([0, 9, 9, 12, 12], [1, 5]),
      detectionClasses: tf.tensor1d([2], 'int32'),
    };
    const types = { rois: roisType, targets: roiTargets, detections: roisType, detectionClasses: { kind: 'labels', shape: ['R'] } as ValueType };
    const train = run('roi_heads.mask_rois', types, {}, inputs, true);
    expect(train.rois).toEqual([0, 2, 2, 6, 6, 0, 3, 3, 7, 7]);
    expect(train.targets).toEqual({ classes: [3, 1], gtSlots: [2, 0] });
    const infer = run('roi_heads.mask_rois', types, {}, inputs, false);
    expect(infer.rois).toEqual([0, 9, 9, 12, 12]);
    expect(infer.targets).toEqual({ classes: [2], gtSlots: [-1] });
    tf.dispose(inputs);
  });

  it('instances: pastes each detection\'s class mask into its box, pads per image, draws the best instance per pixel', () => {
    const logits = new Float32Array(2 * 4 * 4 * 2);
    for (let i = 0; i < 16; i++) {
      logits[i * 2] = -10; // detection 0, class 2 → channel 1
      logits[i * 2 + 1] = 10;
      logits[32 + i * 2] = 10; // detection 1, class 1 → channel 0
      logits[32 + i * 2 + 1] = -10;
    }
    const inputs = {
      boxes: tf.tensor2d([1, 4, 4, 12, 8, 1, 8, 4, 12, 12], [2, 5]),
      scores: tf.tensor1d([0.9, 0.6]),
      classes: tf.tensor1d([2, 1], 'int32'),
      maskLogits: tf.tensor4d(logits, [2, 4, 4, 2]),
      image: tf.zeros([2, 16, 16, 3]),
    };
    const out = run('postprocess.instances', {
      boxes: roisType,
      scores: { kind: 'tensor', shape: ['R'] },
      classes: { kind: 'labels', shape: ['R'] },
      maskLogits: { kind: 'mask', shape: ['R', 4, 4, 2] },
      image: { kind: 'image', shape: ['N', 16, 16, 3] },
    }, { maxDetections: 3 }, inputs, false);
    expect(out.classes).toEqual([0, 0, 0, 2, 1, 0]);
    expect(out.scores).toEqual([0, 0, 0, expect.closeTo(0.9, 6), expect.closeTo(0.6, 6), 0]);
    expect(out.boxes.slice(12, 20)).toEqual([4, 4, 12, 8, 8, 4, 12, 12]);
    const pixel = (b: number, y: number, x: number) => (b * 16 + y) * 16 + x;
    // Image 1: detection 0 covers rows 4…7, detection 1 rows 4…11 of columns 8…11; where both do, the better (class 2) wins.
    expect(out.masks[pixel(1, 5, 5) * 3]).toBe(1);
    expect(out.masks[pixel(1, 9, 5) * 3]).toBe(0);
    expect(out.masks[pixel(1, 9, 9) * 3 + 1]).toBe(1);
    expect(out.instances[pixel(1, 5, 9)]).toBe(2);
    expect(out.instances[pixel(1, 9, 9)]).toBe(1);
    expect(out.instances[pixel(1, 13, 13)]).toBe(0);
    expect(out.instances.slice(0, 256).every((v) => v === 0)).toBe(true);
    tf.dispose(inputs);
  });
});
