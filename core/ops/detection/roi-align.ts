/**
 * RoIAlign with torchvision's semantics (ops/cpu/roi_align_kernel.cpp),
 * differentiable with respect to the feature map.
 *
 * tfjs's cropAndResize has no gradient and samples differently at borders,
 * so the op is built from its definition: for every output bin, the sample
 * points of its grid, and for each point the 4 bilinear corner pixels with
 * their weights, divided by the number of samples. That sparse map (the
 * "taps") is computed once per call in plain JS; the forward pass is
 * out[bin] = Σ w · feature[pixel] and the backward pass scatters
 * w · dy[bin] back to the pixels. Boxes are data, not differentiated, as in
 * torchvision. Arithmetic is rounded to float32 where the reference kernel
 * rounds, so sample positions (and which pixels they fall between) agree.
 */
import { tf } from '../../tf';

export interface RoiAlignOptions {
  /** Output bins, height then width (7×7 for box heads, 14×14 for mask heads). */
  outputSize: readonly [number, number];
  /** Feature-map pixels per input pixel: 1/stride of the level. */
  spatialScale: number;
  /** Samples per bin along each axis; 0 picks ceil(roi size / output size) per RoI (adaptive). */
  samplingRatio: number;
  /**
   * true: pixel centres sit at half-integers, boxes are shifted by −0.5
   * (Detectron2's ROIAlignV2). false: the original Mask R-CNN mapping, where
   * RoIs smaller than one feature pixel are widened to 1.
   */
  aligned: boolean;
}

/**
 * Sparse bilinear weights in coordinate form: output row outRow[t] gets
 * weight[t] × feature row pixel[t]. Rows are (roi·PH + ph)·PW + pw on the
 * output side and (b·H + y)·W + x on the feature side.
 */
export interface RoiAlignTaps {
  outRow: Int32Array;
  pixel: Int32Array;
  weight: Float32Array;
}

const f32 = Math.fround;

/**
 * The taps of RoIs `roiIndices` (all when omitted) of `rois` (R×5 flat:
 * batch index, x1, y1, x2, y2 in input pixels) on a N×H×W map. Output rows are
 * numbered by position in `outputIndices` (default: the RoI's own index), so
 * several levels can write disjoint rows of one output.
 */
export function roiAlignTaps(
  rois: ArrayLike<number>,
  featureShape: readonly [number, number, number],
  options: RoiAlignOptions,
  roiIndices?: ArrayLike<number>,
  outputIndices?: ArrayLike<number>,
): RoiAlignTaps {
  const [batch, height, width] = featureShape;
  const [pooledH, pooledW] = options.outputSize;
  const scale = f32(options.spatialScale);
  const offset = options.aligned ? 0.5 : 0;
  const indices = roiIndices ?? Int32Array.from({ length: Math.floor(rois.length / 5) }, (_, i) => i);
  const outRow: number[] = [];
  const pixel: number[] = [];
  const weight: number[] = [];
  // Taps of one bin that hit the same pixel are merged: stamp[p] says which bin last used pixel p, slot[p] where.
  const stamp = new Int32Array(batch * height * width).fill(-1);
  const slot = new Int32Array(batch * height * width);
  let binCounter = 0;

  for (let k = 0; k < indices.length; k++) {
    const r = indices[k];
    const out = outputIndices ? outputIndices[k] : r;
    const b = rois[5 * r];
    if (!Number.isInteger(b) || b < 0 || b >= batch) {
      throw new Error(`RoI ${r} has batch index ${b}, but the feature map holds ${batch} image(s); RoIs are rows (batch index, x1, y1, x2, y2)`);
    }
    const startW = f32(f32(rois[5 * r + 1] * scale) - offset);
    const startH = f32(f32(rois[5 * r + 2] * scale) - offset);
    const endW = f32(f32(rois[5 * r + 3] * scale) - offset);
    const endH = f32(f32(rois[5 * r + 4] * scale) - offset);
    let roiW = f32(endW - startW);
    let roiH = f32(endH - startH);
    if (!options.aligned) {
      roiW = Math.max(roiW, 1);
      roiH = Math.max(roiH, 1);
    }
    const binH = f32(roiH / pooledH);
    const binW = f32(roiW / pooledW);
    const gridH = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(f32(roiH / pooledH));
    const gridW = options.samplingRatio > 0 ? options.samplingRatio : Math.ceil(f32(roiW / pooledW));
    const count = Math.max(gridH * gridW, 1);
    const base = b * height * width;

    for (let ph = 0; ph < pooledH; ph++) {
      for (let pw = 0; pw < pooledW; pw++) {
        const row = (out * pooledH + ph) * pooledW + pw;
        const bin = binCounter++;
        const add = (p: number, w: number) => {
          if (w === 0) return;
          const at = base + p;
          if (stamp[at] === bin) {
            weight[slot[at]] += w / count;
          } else {
            stamp[at] = bin;
            slot[at] = weight.length;
            outRow.push(row);
            pixel.push(at);
            weight.push(w / count);
          }
        };
        for (let iy = 0; iy < gridH; iy++) {
          const yy = f32(f32(startH + f32(ph * binH)) + f32(f32((iy + 0.5) * binH) / gridH));
          for (let ix = 0; ix < gridW; ix++) {
            const xx = f32(f32(startW + f32(pw * binW)) + f32(f32((ix + 0.5) * binW) / gridW));
            let y = yy;
            let x = xx;
            if (y < -1 || y > height || x < -1 || x > width) continue;
            if (y <= 0) y = 0;
            if (x <= 0) x = 0;
            let yLow = Math.floor(y);
            let xLow = Math.floor(x);
            let yHigh: number;
            let xHigh: number;
            if (yLow >= height - 1) {
              yHigh = yLow = height - 1;
              y = yLow;
            } else {
              yHigh = yLow + 1;
            }
            if (xLow >= width - 1) {
              xHigh = xLow = width - 1;
              x = xLow;
            } else {
              xHigh = xLow + 1;
            }
            const ly = f32(y - yLow);
            const lx = f32(x - xLow);
            const hy = f32(1 - ly);
            const hx = f32(1 - lx);
            add(yLow * width + xLow, f32(hy * hx));
            add(yLow * width + xHigh, f32(hy * lx));
            add(yHigh * width + xLow, f32(ly * hx));
            add(yHigh * width + xHigh, f32(ly * lx));
          }
        }
      }
    }
  }
  return { outRow: Int32Array.from(outRow), pixel: Int32Array.from(pixel), weight: Float32Array.from(weight) };
}

/** out[outRow] += w · features[pixel] for every tap; rows of `channels` values. */
export function applyTaps(taps: RoiAlignTaps, features: ArrayLike<number>, channels: number, out: Float32Array): Float32Array {
  const { outRow, pixel, weight } = taps;
  for (let t = 0; t < outRow.length; t++) {
    const o = outRow[t] * channels;
    const p = pixel[t] * channels;
    const w = weight[t];
    for (let c = 0; c < channels; c++) out[o + c] += w * features[p + c];
  }
  return out;
}

/** The transpose of applyTaps: grad[pixel] += w · dy[outRow], the gradient with respect to the features. */
export function applyTapsTransposed(taps: RoiAlignTaps, dy: ArrayLike<number>, channels: number, grad: Float32Array): Float32Array {
  const { outRow, pixel, weight } = taps;
  for (let t = 0; t < outRow.length; t++) {
    const o = outRow[t] * channels;
    const p = pixel[t] * channels;
    const w = weight[t];
    for (let c = 0; c < channels; c++) grad[p + c] += w * dy[o + c];
  }
  return grad;
}

/** detectron2 assign_boxes_to_levels: ⌊canonicalLevel + log2(√area / canonicalSize + 1e-8)⌋, clamped to [minLevel, maxLevel]. */
export function assignLevels(
  rois: ArrayLike<number>,
  minLevel: number,
  maxLevel: number,
  canonicalSize = 224,
  canonicalLevel = 4,
): Int32Array {
  const count = Math.floor(rois.length / 5);
  const out = new Int32Array(count);
  for (let r = 0; r < count; r++) {
    const area = (rois[5 * r + 3] - rois[5 * r + 1]) * (rois[5 * r + 4] - rois[5 * r + 2]);
    const size = Math.sqrt(Math.max(area, 0));
    const level = Math.floor(canonicalLevel + Math.log2(size / canonicalSize + 1e-8));
    out[r] = Math.min(Math.max(level, minLevel), maxLevel);
  }
  return out;
}

export interface PoolLevel {
  features: tf.Tensor4D;
  spatialScale: number;
}

/**
 * Pools each RoI from the level `levelOf[r]` (an index into `levels`):
 * R×PH×PW×C in RoI order, differentiable with respect to every level.
 */
export function multiLevelRoiAlign(
  levels: readonly PoolLevel[],
  rois: ArrayLike<number>,
  levelOf: ArrayLike<number>,
  options: Omit<RoiAlignOptions, 'spatialScale'>,
): tf.Tensor4D {
  const count = Math.floor(rois.length / 5);
  const channels = levels[0].features.shape[3];
  for (const level of levels) {
    if (level.features.shape[3] !== channels) {
      throw new Error(`every pooled level needs the same channel count, got ${levels.map((l) => l.features.shape[3]).join(' and ')}`);
    }
  }
  const [pooledH, pooledW] = options.outputSize;
  const members: number[][] = levels.map(() => []);
  for (let r = 0; r < count; r++) {
    const l = levelOf[r];
    if (!(l >= 0 && l < levels.length)) throw new Error(`RoI ${r} is assigned to level ${l}, but only ${levels.length} are pooled`);
    members[l].push(r);
  }
  const taps = levels.map((level, l) => {
    const [n, h, w] = level.features.shape;
    return roiAlignTaps(rois, [n, h, w], { ...options, spatialScale: level.spatialScale }, members[l]);
  });
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const features = args.slice(0, levels.length) as tf.Tensor4D[];
    const out = new Float32Array(count * pooledH * pooledW * channels);
    features.forEach((f, l) => {
      if (taps[l].outRow.length > 0) applyTaps(taps[l], f.dataSync(), channels, out);
    });
    return {
      value: tf.tensor4d(out, [count, pooledH, pooledW, channels]),
      gradFunc: (dy: tf.Tensor) => {
        const dyValues = dy.dataSync();
        return features.map((f, l) => {
          const grad = new Float32Array(f.size);
          if (taps[l].outRow.length > 0) applyTapsTransposed(taps[l], dyValues, channels, grad);
          return tf.tensor4d(grad, f.shape);
        });
      },
    };
  });
  return op(...levels.map((l) => l.features)) as tf.Tensor4D;
}

/** Single-level RoIAlign, torchvision.ops.roi_align on an N×H×W×C map: R×PH×PW×C. */
export function roiAlign(features: tf.Tensor4D, rois: ArrayLike<number>, options: RoiAlignOptions): tf.Tensor4D {
  const count = Math.floor(rois.length / 5);
  return multiLevelRoiAlign([{ features, spatialScale: options.spatialScale }], rois, new Int32Array(count), options);
}

/** RoIAlign of a single-channel H×W map in plain JS (mask targets): R×PH×PW values. */
export function roiAlignPlain(
  map: ArrayLike<number>,
  shape: readonly [number, number, number],
  rois: ArrayLike<number>,
  options: RoiAlignOptions,
): Float32Array {
  const count = Math.floor(rois.length / 5);
  const taps = roiAlignTaps(rois, shape, options);
  return applyTaps(taps, map, 1, new Float32Array(count * options.outputSize[0] * options.outputSize[1]));
}
