import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../core/rng';
import { boxIou, clipBoxes, decodeBoxes, DEFAULT_SCALE_CLAMP, encodeBoxes, pairwiseIou } from '../../../../core/ops/detection/boxes';
import { cellAnchors, gridAnchors } from '../../../../core/ops/detection/anchors';
import { matchPredictions, subsampleLabels } from '../../../../core/ops/detection/matching';
import { batchedNms, nms } from '../../../../core/ops/detection/nms';

const close = (actual: ArrayLike<number>, expected: number[], digits = 4) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i], `entry ${i}`).toBeCloseTo(v, digits));
};

describe('IoU', () => {
  it('matches hand-worked overlaps', () => {
    // 10×10 squares shifted by 5: intersection 50, union 150.
    expect(boxIou([0, 0, 10, 10], 0, [5, 0, 15, 10], 0)).toBeCloseTo(1 / 3, 6);
    // Nested: 4×4 inside 8×8.
    expect(boxIou([0, 0, 8, 8], 0, [2, 2, 6, 6], 0)).toBeCloseTo(16 / 64, 6);
    // Touching edges and disjoint boxes do not overlap; an empty box overlaps nothing.
    expect(boxIou([0, 0, 4, 4], 0, [4, 0, 8, 4], 0)).toBe(0);
    expect(boxIou([0, 0, 4, 4], 0, [10, 10, 12, 12], 0)).toBe(0);
    expect(boxIou([2, 2, 2, 2], 0, [2, 2, 2, 2], 0)).toBe(0);
    const m = pairwiseIou([0, 0, 10, 10, 0, 0, 5, 10], [0, 0, 10, 10, 5, 0, 15, 10, 20, 20, 30, 30]);
    close(m, [1, 1 / 3, 0, 0.5, 0, 0], 6);
  });

  it('clips boxes into the image', () => {
    close(clipBoxes(new Float32Array([-3, 2, 70, 80, 10, -1, 20, 5]), 64, 48), [0, 2, 48, 64, 10, 0, 20, 5]);
  });
});

describe('box coding (Box2BoxTransform)', () => {
  it('encodes a hand-worked case with the RoI-head weights (10, 10, 5, 5)', () => {
    // Source centre (5, 5), 10×10; target centre (7, 4), 20×5.
    const deltas = encodeBoxes([0, 0, 10, 10], [-3, 1.5, 17, 6.5], [10, 10, 5, 5]);
    close(deltas, [10 * (2 / 10), 10 * (-1 / 10), 5 * Math.log(2), 5 * Math.log(0.5)], 5);
  });

  it('decode inverts encode for random boxes and both weightings', () => {
    const rng = new Rng(3);
    const n = 50;
    const source = new Float32Array(n * 4);
    const target = new Float32Array(n * 4);
    for (let i = 0; i < n; i++) {
      const sx = rng.uniform(-20, 100);
      const sy = rng.uniform(-20, 100);
      source.set([sx, sy, sx + rng.uniform(1, 80), sy + rng.uniform(1, 80)], 4 * i);
      const tx = rng.uniform(-20, 100);
      const ty = rng.uniform(-20, 100);
      target.set([tx, ty, tx + rng.uniform(1, 80), ty + rng.uniform(1, 80)], 4 * i);
    }
    for (const weights of [[1, 1, 1, 1], [10, 10, 5, 5]] as const) {
      const decoded = decodeBoxes(encodeBoxes(source, target, weights), source, weights);
      for (let i = 0; i < target.length; i++) expect(decoded[i]).toBeCloseTo(target[i], 3);
    }
  });

  it('clamps dw and dh at log(1000/16) and decodes several boxes per source (class-specific)', () => {
    const source = [0, 0, 10, 10];
    const deltas = [0, 0, 100, 100, 0, 0, 0, 0];
    const out = decodeBoxes(deltas, source, [1, 1, 1, 1], DEFAULT_SCALE_CLAMP, 2);
    const half = (10 * (1000 / 16)) / 2;
    close(out, [5 - half, 5 - half, 5 + half, 5 + half, 0, 0, 10, 10], 2);
    expect(() => decodeBoxes(deltas, source, [1, 1, 1, 1])).toThrow(/2 deltas for 1 boxes/);
  });
});

describe('anchors (DefaultAnchorGenerator)', () => {
  it('cell anchors have area size² and height/width = ratio, sizes outermost', () => {
    const cell = cellAnchors([32, 64], [0.5, 1, 2]);
    const s = Math.sqrt(2) * 16;
    close(cell.slice(0, 12), [-s, -s / 2, s, s / 2, -16, -16, 16, 16, -s / 2, -s, s / 2, s], 4);
    close(cell.slice(16, 20), [-32, -32, 32, 32]);
  });

  it('grid anchors are location-major (row, column), anchor-minor, offset by offset·stride', () => {
    close(gridAnchors(2, 2, 8, [8], [1]), [-4, -4, 4, 4, 4, -4, 12, 4, -4, 4, 4, 12, 4, 4, 12, 12]);
    const half = gridAnchors(1, 2, 8, [8, 16], [1], 0.5);
    close(half, [0, 0, 8, 8, -4, -4, 12, 12, 8, 0, 16, 8, 4, -4, 20, 12]);
  });
});

describe('matching (Matcher)', () => {
  // Two ground truths (rows) against five predictions (columns).
  const iou = [
    0.9, 0.5, 0.2, 0.1, 0.0, //
    0.1, 0.6, 0.25, 0.65, 0.0,
  ];

  it('labels predictions by IoU band with the RPN thresholds [0.3, 0.7]', () => {
    const { matches, labels } = matchPredictions(iou, 2, 5, { thresholds: [0.3, 0.7], labels: [0, -1, 1], allowLowQualityMatches: false });
    expect(Array.from(matches)).toEqual([0, 1, 1, 1, 0]);
    expect(Array.from(labels)).toEqual([1, -1, 0, -1, 0]);
  });

  it('with low-quality matches, each ground truth\'s best prediction becomes foreground', () => {
    const { labels } = matchPredictions(iou, 2, 5, { thresholds: [0.3, 0.7], labels: [0, -1, 1], allowLowQualityMatches: true });
    // gt 1's best is prediction 3 (0.65).
    expect(Array.from(labels)).toEqual([1, -1, 0, 1, 0]);
  });

  it('uses the box-head threshold 0.5 and gives background when there is no ground truth', () => {
    const { labels } = matchPredictions(iou, 2, 5, { thresholds: [0.5], labels: [0, 1], allowLowQualityMatches: false });
    expect(Array.from(labels)).toEqual([1, 1, 0, 1, 0]);
    const none = matchPredictions([], 0, 3, { thresholds: [0.5], labels: [0, 1], allowLowQualityMatches: false });
    expect(Array.from(none.labels)).toEqual([0, 0, 0]);
  });

  it('subsamples at most positiveFraction foreground and fills with background', () => {
    const labels = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1];
    const { positive, negative } = subsampleLabels(labels, 8, 0.25, 0, new Rng(1));
    expect(positive.length).toBe(2);
    expect(negative.length).toBe(6);
    for (const i of positive) expect(labels[i]).toBe(1);
    for (const i of negative) expect(labels[i]).toBe(0);
    expect(new Set([...positive, ...negative]).size).toBe(8);
    // Few positives: the rest of the budget goes to background.
    const few = subsampleLabels([1, 0, 0, 0, 0, 0, -1], 4, 0.5, 0, new Rng(2));
    expect([few.positive.length, few.negative.length]).toEqual([1, 3]);
    // Too few of both: take them all.
    const all = subsampleLabels([1, 0, -1], 10, 0.5, 0, new Rng(3));
    expect([all.positive.length, all.negative.length]).toEqual([1, 1]);
  });
});

describe('NMS', () => {
  const boxes = [
    0, 0, 10, 10, // 0: score 0.9
    1, 0, 11, 10, // 1: IoU 0.818 with 0, score 0.8
    0, 5, 10, 15, // 2: IoU 1/3 with 0, score 0.7
    20, 20, 30, 30, // 3: alone, score 0.95
  ];
  const scores = [0.9, 0.8, 0.7, 0.95];

  it('keeps the best box of each overlapping cluster, sorted by score', () => {
    expect(Array.from(nms(boxes, scores, 0.5))).toEqual([3, 0, 2]);
    // At 0.3 the third box (IoU 1/3 > 0.3) goes too.
    expect(Array.from(nms(boxes, scores, 0.3))).toEqual([3, 0]);
    // IoU exactly at the threshold is kept (suppression is strictly greater).
    expect(Array.from(nms([0, 0, 10, 10, 5, 0, 15, 10], [1, 0.5], 1 / 3 + 1e-9))).toEqual([0, 1]);
  });

  it('batched NMS never suppresses across groups', () => {
    expect(Array.from(batchedNms(boxes, scores, [0, 1, 0, 0], 0.5))).toEqual([3, 0, 1, 2]);
    expect(Array.from(batchedNms(boxes, scores, [0, 0, 0, 0], 0.5))).toEqual([3, 0, 2]);
  });
});
