/**
 * Binary instance masks: the Mask R-CNN head's training targets (a ground
 * truth mask resampled into a proposal box), pasting a predicted M×M mask
 * back into the image, and COCO's two mask encodings (polygons and RLE).
 */
import { roiAlignPlain } from './roi-align';

/**
 * The part of a full-image H×W mask inside `box`, resampled to M×M and
 * thresholded at 0.5: detectron2 BitMasks.crop_and_resize (RoIAlign with
 * aligned=True, adaptive sampling).
 */
export function cropAndResizeMask(mask: ArrayLike<number>, height: number, width: number, box: ArrayLike<number>, size: number): Float32Array {
  const roi = [0, box[0], box[1], box[2], box[3]];
  const sampled = roiAlignPlain(mask, [1, height, width], roi, { outputSize: [size, size], spatialScale: 1, samplingRatio: 0, aligned: true });
  for (let i = 0; i < sampled.length; i++) sampled[i] = sampled[i] >= 0.5 ? 1 : 0;
  return sampled;
}

/**
 * Pastes M×M mask probabilities covering `box` into an H×W image: each
 * pixel centre inside the box is looked up bilinearly in the M×M grid (zero
 * outside it), as grid_sample(align_corners=False) does in detectron2's
 * paste_masks_in_image, then thresholded. Returns 0/1 per pixel.
 */
export function pasteMask(
  probabilities: ArrayLike<number>,
  size: number,
  box: ArrayLike<number>,
  height: number,
  width: number,
  threshold = 0.5,
): Uint8Array {
  const out = new Uint8Array(height * width);
  const [x1, y1, x2, y2] = [box[0], box[1], box[2], box[3]];
  const bw = x2 - x1;
  const bh = y2 - y1;
  if (!(bw > 0 && bh > 0)) return out;
  // Outside box ±1 pixel every lookup lands beyond the grid's half-pixel border and reads 0.
  const col0 = Math.max(0, Math.floor(x1) - 1);
  const col1 = Math.min(width, Math.ceil(x2) + 1);
  const row0 = Math.max(0, Math.floor(y1) - 1);
  const row1 = Math.min(height, Math.ceil(y2) + 1);
  const at = (r: number, c: number) => (r >= 0 && r < size && c >= 0 && c < size ? probabilities[r * size + c] : 0);
  for (let row = row0; row < row1; row++) {
    const v = ((row + 0.5 - y1) / bh) * size - 0.5;
    const r0 = Math.floor(v);
    const fy = v - r0;
    for (let col = col0; col < col1; col++) {
      const u = ((col + 0.5 - x1) / bw) * size - 0.5;
      const c0 = Math.floor(u);
      const fx = u - c0;
      const value =
        (1 - fy) * ((1 - fx) * at(r0, c0) + fx * at(r0, c0 + 1)) + fy * ((1 - fx) * at(r0 + 1, c0) + fx * at(r0 + 1, c0 + 1));
      if (value > threshold) out[row * width + col] = 1;
    }
  }
  return out;
}

/**
 * Fills polygons (flat x, y lists in pixels) into an H×W mask with the
 * even-odd rule, sampling at pixel centres; several polygons (an object in
 * pieces) are OR-ed.
 */
export function rasterizePolygons(polygons: readonly (readonly number[])[], height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width);
  const crossings: number[] = [];
  for (const polygon of polygons) {
    const points = Math.floor(polygon.length / 2);
    if (points < 3) continue;
    const layer = new Uint8Array(height * width);
    for (let row = 0; row < height; row++) {
      const y = row + 0.5;
      crossings.length = 0;
      for (let i = 0; i < points; i++) {
        const xa = polygon[2 * i];
        const ya = polygon[2 * i + 1];
        const j = (i + 1) % points;
        const xb = polygon[2 * j];
        const yb = polygon[2 * j + 1];
        if ((ya <= y && yb > y) || (yb <= y && ya > y)) crossings.push(xa + ((y - ya) / (yb - ya)) * (xb - xa));
      }
      crossings.sort((a, b) => a - b);
      for (let k = 0; k + 1 < crossings.length; k += 2) {
        const start = Math.max(0, Math.ceil(crossings[k] - 0.5));
        const end = Math.min(width - 1, Math.ceil(crossings[k + 1] - 0.5) - 1);
        for (let col = start; col <= end; col++) layer[row * width + col] ^= 1;
      }
    }
    for (let i = 0; i < out.length; i++) out[i] |= layer[i];
  }
  return out;
}

/** COCO run-length counts, uncompressed (numbers) or compressed (pycocotools' string form). */
export interface CocoRle {
  size: [number, number];
  counts: number[] | string;
}

/** Decodes pycocotools' compressed RLE string: 5-bit groups with a continuation bit, deltas from two runs back after the third. */
export function decodeRleString(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= text.length) throw new Error(`compressed RLE ends in the middle of a number (at character ${p})`);
      const c = text.charCodeAt(p) - 48;
      if (c < 0 || c > 63) throw new Error(`compressed RLE has an invalid character '${text[p]}' at ${p}`);
      x |= (c & 0x1f) << (5 * k);
      more = (c & 0x20) !== 0;
      p++;
      k++;
      if (!more && c & 0x10) x |= -1 << (5 * k);
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return counts;
}

/** RLE (column-major runs, starting with background) to a row-major H×W 0/1 mask. */
export function decodeRle(rle: CocoRle): Uint8Array {
  const [height, width] = rle.size;
  const counts = typeof rle.counts === 'string' ? decodeRleString(rle.counts) : rle.counts;
  const out = new Uint8Array(height * width);
  let position = 0;
  let value = 0;
  for (const run of counts) {
    if (!Number.isInteger(run) || run < 0) throw new Error(`RLE run lengths must be whole numbers ≥ 0, got ${run}`);
    if (position + run > height * width) throw new Error(`RLE runs add up to more than the ${height}×${width} mask`);
    if (value) {
      for (let i = position; i < position + run; i++) {
        const col = Math.floor(i / height);
        const row = i - col * height;
        out[row * width + col] = 1;
      }
    }
    position += run;
    value ^= 1;
  }
  return out;
}

/** Row-major mask to uncompressed column-major RLE counts (for fixtures and tests). */
export function encodeRle(mask: ArrayLike<number>, height: number, width: number): CocoRle {
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let col = 0; col < width; col++) {
    for (let row = 0; row < height; row++) {
      const v = mask[row * width + col] ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [height, width], counts };
}

/** Nearest-neighbour resampling of a 0/1 mask to another size (pixel centres). */
export function resizeMaskNearest(mask: ArrayLike<number>, height: number, width: number, outHeight: number, outWidth: number): Uint8Array {
  const out = new Uint8Array(outHeight * outWidth);
  for (let row = 0; row < outHeight; row++) {
    const r = Math.min(height - 1, Math.floor(((row + 0.5) * height) / outHeight));
    for (let col = 0; col < outWidth; col++) {
      const c = Math.min(width - 1, Math.floor(((col + 0.5) * width) / outWidth));
      out[row * outWidth + col] = mask[r * width + c] ? 1 : 0;
    }
  }
  return out;
}
