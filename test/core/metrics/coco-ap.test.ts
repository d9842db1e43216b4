import { describe, expect, it } from 'vitest';
import { averagePrecision, COCO_IOU_THRESHOLDS, interpolatedAp, maskIou, type ImageEvaluation } from '../../../core/metrics/coco-ap';

const GT = [0, 0, 10, 10];

function image(gt: { boxes: number[]; classes: number[] }, det: { boxes: number[]; classes: number[]; scores: number[] }): ImageEvaluation {
  return { groundTruth: gt, detections: det };
}

describe('COCO AP, hand-worked cases', () => {
  it('uses COCOeval\'s thresholds: IoU 0.50:0.05:0.95', () => {
    expect(COCO_IOU_THRESHOLDS.length).toBe(10);
    expect(COCO_IOU_THRESHOLDS[0]).toBe(0.5);
    expect(COCO_IOU_THRESHOLDS[9]).toBe(0.95);
  });

  it('a perfect detection scores 1', () => {
    const r = averagePrecision([image({ boxes: GT, classes: [1] }, { boxes: GT, classes: [1], scores: [0.9] })], 'box');
    expect([r.ap, r.ap50, r.ap75]).toEqual([1, 1, 1]);
  });

  it('a false positive ranked above the true one halves precision everywhere: AP 0.5', () => {
    // Ranked: FP (0.9) then TP (0.8): precision [0, 1/2], recall [0, 1]; interpolated precision is 1/2 at every recall point.
    const r = averagePrecision([image({ boxes: GT, classes: [1] }, { boxes: [20, 20, 30, 30, ...GT], classes: [1, 1], scores: [0.9, 0.8] })], 'box');
    expect(r.ap50).toBeCloseTo(0.5, 12);
    expect(r.ap).toBeCloseTo(0.5, 12);
    // Ranked the other way round the false positive costs nothing.
    const swapped = averagePrecision([image({ boxes: GT, classes: [1] }, { boxes: [20, 20, 30, 30, ...GT], classes: [1, 1], scores: [0.8, 0.9] })], 'box');
    expect(swapped.ap).toBe(1);
  });

  it('finding one of two objects gives precision 1 up to recall 0.5: 51 of 101 recall points', () => {
    const r = averagePrecision([image({ boxes: [...GT, 40, 40, 50, 50], classes: [1, 1] }, { boxes: GT, classes: [1], scores: [0.7] })], 'box');
    expect(r.ap50).toBeCloseTo(51 / 101, 12);
  });

  it('an IoU of 0.62 counts at thresholds 0.50, 0.55, 0.60 only: AP 0.3, AP50 1, AP75 0', () => {
    const r = averagePrecision([image({ boxes: GT, classes: [1] }, { boxes: [0, 0, 10, 6.2], classes: [1], scores: [0.9] })], 'box');
    expect(r.ap50).toBe(1);
    expect(r.ap75).toBe(0);
    expect(r.ap).toBeCloseTo(0.3, 12);
  });

  it('a duplicate detection is a false positive after the true one and leaves AP at 1', () => {
    const r = averagePrecision([image({ boxes: GT, classes: [1] }, { boxes: [...GT, ...GT], classes: [1, 1], scores: [0.9, 0.8] })], 'box');
    expect(r.ap).toBe(1);
  });

  it('ranks across images and averages over classes with ground truth only', () => {
    const images = [
      // Class 1 found in image 0 (score 0.6); class 2 box in image 0 is wrong; a class-3 detection has no ground truth anywhere.
      image({ boxes: [...GT, 20, 20, 30, 30], classes: [1, 2] }, { boxes: [...GT, 0, 20, 10, 30, 5, 5, 9, 9], classes: [1, 2, 3], scores: [0.6, 0.9, 0.9] }),
      // Image 1: a class-1 false positive scoring above image 0's true positive.
      image({ boxes: [], classes: [] }, { boxes: [30, 30, 40, 40], classes: [1], scores: [0.7] }),
    ];
    const r = averagePrecision(images, 'box');
    // Class 1: FP (0.7) then TP (0.6) → 0.5; class 2: 0; class 3 is ignored.
    expect(r.perClass).toEqual({ 1: 0.5, 2: 0 });
    expect(r.ap).toBeCloseTo(0.25, 12);
  });

  it('matches each detection to the best-overlapping ground truth not yet taken', () => {
    // Two overlapping objects; the first detection overlaps both but object B better, so B is taken and the
    // second detection still finds A.
    const gt = { boxes: [0, 0, 10, 10, 4, 0, 14, 10], classes: [1, 1] };
    const det = { boxes: [4, 0, 13, 10, 0, 0, 10, 10], classes: [1, 1], scores: [0.9, 0.8] };
    expect(averagePrecision([image(gt, det)], 'box').ap50).toBe(1);
  });

  it('mask AP compares masks, not boxes', () => {
    const full = new Uint8Array(16).fill(1);
    const half = Uint8Array.from({ length: 16 }, (_, i) => (i < 8 ? 1 : 0));
    expect(maskIou(full, half)).toBe(0.5);
    const ev: ImageEvaluation = {
      groundTruth: { boxes: GT, classes: [1], masks: [full] },
      detections: { boxes: GT, classes: [1], scores: [0.9], masks: [half] },
    };
    expect(averagePrecision([ev], 'box').ap).toBe(1);
    const mask = averagePrecision([ev], 'mask');
    expect(mask.ap50).toBe(1);
    expect(mask.ap75).toBe(0);
    expect(mask.ap).toBeCloseTo(0.1, 12);
  });

  it('no detections give 0; no ground truth at all gives NaN', () => {
    expect(averagePrecision([image({ boxes: GT, classes: [1] }, { boxes: [], classes: [], scores: [] })], 'box').ap).toBe(0);
    expect(averagePrecision([image({ boxes: [], classes: [] }, { boxes: GT, classes: [1], scores: [1] })], 'box').ap).toBeNaN();
  });

  it('interpolates precision from the right at 101 recall points', () => {
    // TP, FP, TP with 2 objects: precision [1, 1/2, 2/3] → interpolated [1, 2/3, 2/3]; recall [1/2, 1/2, 1].
    expect(interpolatedAp([true, false, true], 2)).toBeCloseTo((51 * 1 + 50 * (2 / 3)) / 101, 12);
  });
});
