/**
 * Target assignment: detectron2's Matcher (each prediction gets the ground
 * truth it overlaps most, labelled by IoU bands) and subsample_labels (a
 * fixed-size, class-balanced sample of the labelled predictions). Labels:
 * 1 foreground, 0 background, −1 ignored.
 */
import type { Rng } from '../../rng';

export interface MatchOptions {
  /** Band edges, increasing, e.g. [0.3, 0.7] for the RPN or [0.5] for the box head. */
  thresholds: readonly number[];
  /** One label per band: thresholds.length + 1 of them, e.g. [0, −1, 1]. */
  labels: readonly number[];
  /**
   * Also mark as foreground, for each ground truth, the predictions with its
   * highest IoU (ties included), so that a box no anchor reaches 0.7 with still
   * gets one (the RPN setting; Faster R-CNN §3.1.2).
   */
  allowLowQualityMatches: boolean;
}

export interface MatchResult {
  /** Index of the best ground truth for each prediction (0 when there is none). */
  matches: Int32Array;
  labels: Int32Array;
}

/**
 * `iou` is |gt| × |predictions|, row-major. With no ground truth every
 * prediction gets labels[0] (background), as in detectron2.
 */
export function matchPredictions(iou: ArrayLike<number>, numGt: number, numPredictions: number, options: MatchOptions): MatchResult {
  const { thresholds, labels } = options;
  if (labels.length !== thresholds.length + 1) {
    throw new Error(`matchPredictions: ${thresholds.length} thresholds need ${thresholds.length + 1} labels, got ${labels.length}`);
  }
  const matches = new Int32Array(numPredictions);
  const out = new Int32Array(numPredictions).fill(labels[0]);
  if (numGt === 0) return { matches, labels: out };
  for (let p = 0; p < numPredictions; p++) {
    // The first best ground truth wins ties, as torch.max does on CPU.
    let best = -Infinity;
    let bestGt = 0;
    for (let g = 0; g < numGt; g++) {
      const v = iou[g * numPredictions + p];
      if (v > best) {
        best = v;
        bestGt = g;
      }
    }
    matches[p] = bestGt;
    let band = 0;
    while (band < thresholds.length && best >= thresholds[band]) band++;
    out[p] = labels[band];
  }
  if (options.allowLowQualityMatches) {
    for (let g = 0; g < numGt; g++) {
      let highest = -Infinity;
      for (let p = 0; p < numPredictions; p++) highest = Math.max(highest, iou[g * numPredictions + p]);
      for (let p = 0; p < numPredictions; p++) if (iou[g * numPredictions + p] === highest) out[p] = 1;
    }
  }
  return { matches, labels: out };
}

export interface Sample {
  positive: Int32Array;
  negative: Int32Array;
}

/**
 * Picks at most `numSamples` labelled entries, at most positiveFraction of
 * them foreground (any label other than −1 and `backgroundLabel`), filling
 * the rest with background; chosen uniformly at random without replacement.
 */
export function subsampleLabels(
  labels: ArrayLike<number>,
  numSamples: number,
  positiveFraction: number,
  backgroundLabel: number,
  rng: Rng,
): Sample {
  const positives: number[] = [];
  const negatives: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === backgroundLabel) negatives.push(i);
    else if (labels[i] !== -1) positives.push(i);
  }
  const numPositive = Math.min(positives.length, Math.floor(numSamples * positiveFraction));
  const numNegative = Math.min(negatives.length, numSamples - numPositive);
  return {
    positive: Int32Array.from(pickRandom(positives, numPositive, rng)),
    negative: Int32Array.from(pickRandom(negatives, numNegative, rng)),
  };
}

/** `count` distinct items in random order (a partial Fisher–Yates shuffle). */
function pickRandom(items: number[], count: number, rng: Rng): number[] {
  const pool = items.slice();
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(pool.length - i);
    const t = pool[i];
    pool[i] = pool[j];
    pool[j] = t;
  }
  return pool.slice(0, count);
}
