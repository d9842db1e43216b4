/**
 * Greedy non-maximum suppression (torchvision.ops.nms / batched_nms): keep
 * the highest-scoring box, drop every remaining box overlapping it by more
 * than the threshold, repeat. tfjs's NonMaxSuppression kernels exist but are
 * async on some backends and not per-class; these few hundred boxes per image
 * are cheaper to do in JS than to round-trip.
 */
import { boxIou, boxCount, type BoxArray } from './boxes';

/** Indices into `candidates` order sorted by score, highest first; ties keep index order. */
function byScore(scores: ArrayLike<number>, candidates: ArrayLike<number>): number[] {
  const order = Array.from(candidates);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order;
}

/**
 * Kept box indices, by decreasing score. A box is suppressed when its IoU
 * with a kept box is strictly greater than `iouThreshold`. `candidates`
 * restricts the search to some boxes (all when omitted).
 */
export function nms(boxes: BoxArray, scores: ArrayLike<number>, iouThreshold: number, candidates?: ArrayLike<number>): Int32Array {
  const all = candidates ?? Int32Array.from({ length: boxCount(boxes) }, (_, i) => i);
  const order = byScore(scores, all);
  const kept: number[] = [];
  const suppressed = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) {
    if (suppressed[i]) continue;
    const a = order[i];
    kept.push(a);
    for (let j = i + 1; j < order.length; j++) {
      if (!suppressed[j] && boxIou(boxes, a, boxes, order[j]) > iouThreshold) suppressed[j] = 1;
    }
  }
  return Int32Array.from(kept);
}

/**
 * NMS within each group (a class, or a pyramid level) independently; boxes of
 * different groups never suppress each other. Result sorted by score, highest
 * first, across groups.
 */
export function batchedNms(boxes: BoxArray, scores: ArrayLike<number>, groups: ArrayLike<number>, iouThreshold: number): Int32Array {
  const members = new Map<number, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const list = members.get(groups[i]);
    if (list) list.push(i);
    else members.set(groups[i], [i]);
  }
  const kept: number[] = [];
  for (const list of members.values()) for (const i of nms(boxes, scores, iouThreshold, list)) kept.push(i);
  return Int32Array.from(byScore(scores, kept));
}
