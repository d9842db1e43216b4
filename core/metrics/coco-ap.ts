/**
 * COCO-style average precision (pycocotools COCOeval, iouType 'bbox' and
 * 'segm', area range 'all', no crowd regions): per class, detections of all
 * images are ranked by score, each greedily matched to the unmatched ground
 * truth it overlaps best at or above the IoU threshold; precision is made
 * monotone and read at 101 recall points. AP is the mean over classes that
 * have ground truth and over IoU thresholds 0.50:0.05:0.95; AP50 and AP75
 * use one threshold.
 */
import { boxIou } from '../ops/detection/boxes';

export interface InstanceSet {
  /** Boxes, 4 numbers each (x1, y1, x2, y2). */
  boxes: ArrayLike<number>;
  /** Class per instance (1…K). */
  classes: ArrayLike<number>;
  /** Detection scores (ignored for ground truth). */
  scores?: ArrayLike<number>;
  /** One H×W 0/1 mask per instance, for mask AP. */
  masks?: ArrayLike<number>[];
}

export interface ImageEvaluation {
  detections: InstanceSet;
  groundTruth: InstanceSet;
}

export type IouType = 'box' | 'mask';

/** numpy.linspace's values exactly (i·step + start, the last one = stop), so ties at a threshold fall the same way as in COCOeval. */
function linspace(start: number, stop: number, count: number): number[] {
  const step = (stop - start) / (count - 1);
  return Array.from({ length: count }, (_, i) => (i === count - 1 ? stop : i * step + start));
}

export const COCO_IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);
const RECALL_POINTS: readonly number[] = linspace(0, 1, 101);

export interface ApResult {
  /** Mean over IoU thresholds 0.50:0.95 and classes; NaN when no class has ground truth. */
  ap: number;
  ap50: number;
  ap75: number;
  /** AP (0.50:0.95) of each class that has ground truth. */
  perClass: Record<number, number>;
}

export function maskIou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`masks of different sizes (${a.length} and ${b.length} pixels) cannot be compared`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ? 1 : 0;
    const y = b[i] ? 1 : 0;
    inter += x & y;
    union += x | y;
  }
  return union > 0 ? inter / union : 0;
}

function pairIou(type: IouType, det: InstanceSet, d: number, gt: InstanceSet, g: number): number {
  if (type === 'box') return boxIou(det.boxes as ArrayLike<number> as number[], d, gt.boxes as number[], g);
  if (!det.masks || !gt.masks) throw new Error('mask AP needs masks on both detections and ground truth');
  return maskIou(det.masks[d], gt.masks[g]);
}

interface Ranked {
  score: number;
  /** Matched at each threshold. */
  matched: boolean[];
}

/**
 * Per-class, per-threshold matching as COCOeval.evaluateImg: detections in
 * score order (top maxDetections per image and class), each takes the
 * best-IoU ground truth not yet taken whose IoU is ≥ the threshold.
 */
function matchImage(image: ImageEvaluation, cls: number, type: IouType, thresholds: readonly number[], maxDetections: number): { ranked: Ranked[]; numGt: number } {
  const { detections: det, groundTruth: gt } = image;
  const gtIdx: number[] = [];
  for (let g = 0; g < gt.classes.length; g++) if (gt.classes[g] === cls) gtIdx.push(g);
  const detIdx: number[] = [];
  for (let d = 0; d < det.classes.length; d++) if (det.classes[d] === cls) detIdx.push(d);
  const scores = det.scores ?? [];
  // A stable sort by descending score, as COCOeval's mergesort.
  detIdx.sort((a, b) => (scores[b] ?? 0) - (scores[a] ?? 0) || a - b);
  detIdx.length = Math.min(detIdx.length, maxDetections);
  const iou = detIdx.map((d) => gtIdx.map((g) => pairIou(type, det, d, gt, g)));
  const ranked: Ranked[] = detIdx.map((d) => ({ score: scores[d] ?? 0, matched: [] }));
  thresholds.forEach((t, ti) => {
    const taken = new Array<boolean>(gtIdx.length).fill(false);
    detIdx.forEach((_, di) => {
      let best = Math.min(t, 1 - 1e-10);
      let match = -1;
      for (let gi = 0; gi < gtIdx.length; gi++) {
        if (taken[gi] || iou[di][gi] < best) continue;
        best = iou[di][gi];
        match = gi;
      }
      if (match >= 0) taken[match] = true;
      ranked[di].matched[ti] = match >= 0;
    });
  });
  return { ranked, numGt: gtIdx.length };
}

/** Area under the interpolated precision–recall curve at COCO's 101 recall points. */
export function interpolatedAp(matchedInScoreOrder: readonly boolean[], numGt: number): number {
  const n = matchedInScoreOrder.length;
  const recall = new Float64Array(n);
  const precision = new Float64Array(n);
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (matchedInScoreOrder[i]) tp++;
    recall[i] = tp / numGt;
    precision[i] = tp / (i + 1);
  }
  for (let i = n - 1; i > 0; i--) if (precision[i] > precision[i - 1]) precision[i - 1] = precision[i];
  let sum = 0;
  let at = 0;
  for (const r of RECALL_POINTS) {
    while (at < n && recall[at] < r) at++;
    if (at < n) sum += precision[at];
  }
  return sum / RECALL_POINTS.length;
}

export function averagePrecision(
  images: readonly ImageEvaluation[],
  type: IouType,
  options: { thresholds?: readonly number[]; maxDetections?: number } = {},
): ApResult {
  const thresholds = options.thresholds ?? COCO_IOU_THRESHOLDS;
  const maxDetections = options.maxDetections ?? 100;
  const classes = new Set<number>();
  for (const image of images) {
    for (let i = 0; i < image.groundTruth.classes.length; i++) if (image.groundTruth.classes[i] > 0) classes.add(image.groundTruth.classes[i]);
  }
  const perClass: Record<number, number> = {};
  const perThreshold = thresholds.map(() => [] as number[]);
  for (const cls of [...classes].sort((a, b) => a - b)) {
    const ranked: Ranked[] = [];
    let numGt = 0;
    for (const image of images) {
      const result = matchImage(image, cls, type, thresholds, maxDetections);
      ranked.push(...result.ranked);
      numGt += result.numGt;
    }
    // Stable: equal scores keep image order, as COCOeval's mergesort over concatenated images.
    const order = ranked.map((_, i) => i).sort((a, b) => ranked[b].score - ranked[a].score || a - b);
    const aps = thresholds.map((_, ti) => interpolatedAp(order.map((i) => ranked[i].matched[ti]), numGt));
    aps.forEach((ap, ti) => perThreshold[ti].push(ap));
    perClass[cls] = mean(aps);
  }
  const at = (t: number) => {
    const i = thresholds.findIndex((x) => Math.abs(x - t) < 1e-9);
    return i >= 0 ? mean(perThreshold[i]) : NaN;
  };
  return { ap: mean(perThreshold.flat()), ap50: at(0.5), ap75: at(0.75), perClass };
}

function mean(xs: readonly number[]): number {
  return xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}
