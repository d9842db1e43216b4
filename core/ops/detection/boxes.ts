/**
 * Axis-aligned boxes as flat arrays of (x1, y1, x2, y2) in pixels, the way
 * detectron2's Boxes hold them: areas, pairwise IoU, clipping, and the
 * Box2BoxTransform that turns a box into regression deltas relative to an
 * anchor or proposal and back. Plain JS on typed arrays: target assignment
 * and post-processing are not differentiated, so they never touch the tape.
 */

/** Flat boxes, 4 numbers per box. */
export type BoxArray = Float32Array | Float64Array | number[];

/** (wx, wy, ww, wh): detectron2 uses (1, 1, 1, 1) for the RPN and (10, 10, 5, 5) for the box head. */
export type BoxWeights = readonly [number, number, number, number];

/**
 * Largest log-scale change a predicted delta may apply: detectron2's
 * _DEFAULT_SCALE_CLAMP = log(1000 / 16), so one decode cannot blow a box up
 * beyond what any anchor could reach and exp() stays finite.
 */
export const DEFAULT_SCALE_CLAMP = Math.log(1000 / 16);

export function boxCount(boxes: BoxArray): number {
  return Math.floor(boxes.length / 4);
}

export function boxArea(boxes: BoxArray, i: number): number {
  return (boxes[4 * i + 2] - boxes[4 * i]) * (boxes[4 * i + 3] - boxes[4 * i + 1]);
}

/** IoU of box i of `a` and box j of `b`; 0 when they do not overlap (also for empty boxes). */
export function boxIou(a: BoxArray, i: number, b: BoxArray, j: number): number {
  const w = Math.min(a[4 * i + 2], b[4 * j + 2]) - Math.max(a[4 * i], b[4 * j]);
  const h = Math.min(a[4 * i + 3], b[4 * j + 3]) - Math.max(a[4 * i + 1], b[4 * j + 1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (boxArea(a, i) + boxArea(b, j) - inter);
}

/** IoU of every box of `a` (rows) with every box of `b` (columns): a Float32Array of |a|·|b|. */
export function pairwiseIou(a: BoxArray, b: BoxArray): Float32Array {
  const na = boxCount(a);
  const nb = boxCount(b);
  const out = new Float32Array(na * nb);
  for (let i = 0; i < na; i++) for (let j = 0; j < nb; j++) out[i * nb + j] = boxIou(a, i, b, j);
  return out;
}

/** Clamps every coordinate into the image, in place (detectron2 Boxes.clip). */
export function clipBoxes<T extends BoxArray>(boxes: T, height: number, width: number): T {
  for (let i = 0; i + 3 < boxes.length; i += 4) {
    boxes[i] = Math.min(Math.max(boxes[i], 0), width);
    boxes[i + 1] = Math.min(Math.max(boxes[i + 1], 0), height);
    boxes[i + 2] = Math.min(Math.max(boxes[i + 2], 0), width);
    boxes[i + 3] = Math.min(Math.max(boxes[i + 3], 0), height);
  }
  return boxes;
}

/**
 * Deltas (dx, dy, dw, dh) that move each `source` box onto the matching
 * `target` box: centre offsets in units of the source size and log size
 * ratios, each multiplied by its weight (Box2BoxTransform.get_deltas).
 */
export function encodeBoxes(source: BoxArray, target: BoxArray, weights: BoxWeights): Float32Array {
  const n = boxCount(source);
  if (boxCount(target) !== n) throw new Error(`encodeBoxes: ${n} source boxes but ${boxCount(target)} targets`);
  const [wx, wy, ww, wh] = weights;
  const out = new Float32Array(n * 4);
  for (let i = 0; i < n; i++) {
    const sw = source[4 * i + 2] - source[4 * i];
    const sh = source[4 * i + 3] - source[4 * i + 1];
    const sx = source[4 * i] + 0.5 * sw;
    const sy = source[4 * i + 1] + 0.5 * sh;
    const tw = target[4 * i + 2] - target[4 * i];
    const th = target[4 * i + 3] - target[4 * i + 1];
    const tx = target[4 * i] + 0.5 * tw;
    const ty = target[4 * i + 1] + 0.5 * th;
    out[4 * i] = (wx * (tx - sx)) / sw;
    out[4 * i + 1] = (wy * (ty - sy)) / sh;
    out[4 * i + 2] = ww * Math.log(tw / sw);
    out[4 * i + 3] = wh * Math.log(th / sh);
  }
  return out;
}

/**
 * Applies deltas to boxes (Box2BoxTransform.apply_deltas): the inverse of
 * encodeBoxes, with dw and dh clamped at `scaleClamp` first. `deltas` may hold
 * several boxes per source box (class-specific regression): `perBox` of them,
 * all relative to the same source box.
 */
export function decodeBoxes(
  deltas: BoxArray,
  source: BoxArray,
  weights: BoxWeights,
  scaleClamp = DEFAULT_SCALE_CLAMP,
  perBox = 1,
): Float32Array {
  const n = boxCount(source);
  if (boxCount(deltas) !== n * perBox) {
    throw new Error(`decodeBoxes: ${boxCount(deltas)} deltas for ${n} boxes × ${perBox} per box`);
  }
  const [wx, wy, ww, wh] = weights;
  const out = new Float32Array(deltas.length);
  for (let i = 0; i < n; i++) {
    const w = source[4 * i + 2] - source[4 * i];
    const h = source[4 * i + 3] - source[4 * i + 1];
    const cx = source[4 * i] + 0.5 * w;
    const cy = source[4 * i + 1] + 0.5 * h;
    for (let k = 0; k < perBox; k++) {
      const d = 4 * (i * perBox + k);
      const dx = deltas[d] / wx;
      const dy = deltas[d + 1] / wy;
      const dw = Math.min(deltas[d + 2] / ww, scaleClamp);
      const dh = Math.min(deltas[d + 3] / wh, scaleClamp);
      const px = dx * w + cx;
      const py = dy * h + cy;
      const pw = Math.exp(dw) * w;
      const ph = Math.exp(dh) * h;
      out[d] = px - 0.5 * pw;
      out[d + 1] = py - 0.5 * ph;
      out[d + 2] = px + 0.5 * pw;
      out[d + 3] = py + 0.5 * ph;
    }
  }
  return out;
}
