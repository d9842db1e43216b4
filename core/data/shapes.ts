/**
 * The default dataset: synthetic images of circles, squares and triangles
 * over textured backgrounds, with ground truth for every task the app
 * teaches — classification, counting, semantic and instance segmentation,
 * detection, keypoints and paired image translation (edges → image). Nothing
 * is downloaded; each sample is a pure function of (seed, split, index).
 */
import { defineDataset, DatasetError, type DatasetSource, type FieldArray, type Sample, type Split } from './dataset-api';
import { p, type ParamValues } from '../params';
import { Rng } from '../rng';
import type { ValueType } from '../types';
import {
  generateScene,
  insideShape,
  shapeKeypoints,
  KEYPOINTS_PER_SHAPE,
  SHAPE_CLASS_NAMES,
  type Scene,
} from './shapes-render';

export { SHAPE_CLASS_NAMES, KEYPOINTS_PER_SHAPE } from './shapes-render';

const shapesParams = {
  imageSize: p.int({ default: 64, min: 16, max: 1024, doc: 'Width and height of the square images, in pixels.' }),
  minObjects: p.int({ default: 1, min: 0, max: 16, doc: 'Fewest shapes per image (0 allows empty images). Very crowded settings may place fewer.' }),
  maxObjects: p.int({
    default: 3,
    min: 1,
    max: 16,
    doc: 'Most shapes per image; also K, the padded length of boxes, classes, masks and keypoints.',
  }),
  minSize: p.float({
    default: 0.2,
    min: 0.05,
    max: 1,
    doc: 'Smallest shape, as the diameter of its circumscribed circle over the image side.',
  }),
  maxSize: p.float({
    default: 0.45,
    min: 0.05,
    max: 1,
    doc: 'Largest shape, as the diameter of its circumscribed circle over the image side.',
  }),
  background: p.enum({
    options: ['textured', 'flat'],
    default: 'textured',
    doc: 'Smooth noise and stripes in two muted colours, or one flat muted colour (easier).',
  }),
  valueRange: p.enum({
    options: ['0..1', '-1..1'],
    default: '0..1',
    doc: 'Range of the image and edges fields. GAN and pix2pix graphs use -1..1 to match a tanh output.',
  }),
  trainSize: p.int({
    default: 0,
    min: 0,
    max: 10_000_000,
    doc: 'Distinct training images; 0 generates a fresh image for every step (an endless stream, no overfitting).',
  }),
  valSize: p.int({ default: 64, min: 1, max: 1_000_000, doc: 'Validation images, always the same ones and never seen in training.' }),
};

export type ShapesParams = ParamValues<typeof shapesParams>;

/** Constraints between params, which per-param ranges cannot express. */
function checkShapesParams(params: ShapesParams): void {
  if (params.minObjects > params.maxObjects) {
    throw new DatasetError(
      `must be ≤ maxObjects (${params.maxObjects}), got ${params.minObjects}; lower minObjects or raise maxObjects (dataset 'shapes')`,
      'minObjects',
    );
  }
  if (params.minSize > params.maxSize) {
    throw new DatasetError(
      `must be ≤ maxSize (${params.maxSize}), got ${params.minSize}; lower minSize or raise maxSize (dataset 'shapes')`,
      'minSize',
    );
  }
}

function field(data: Float32Array | Int32Array, shape: number[]): FieldArray {
  return { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float32' };
}

/**
 * A sample whose fields are computed on first read: a classifier batch at
 * 1024² should not pay for K full-size instance masks it never asks for.
 */
function lazySample(builders: Record<string, () => FieldArray>): Sample {
  const sample: Sample = {};
  for (const [name, build] of Object.entries(builders)) {
    Object.defineProperty(sample, name, {
      enumerable: true,
      configurable: true,
      get() {
        const value = build();
        Object.defineProperty(sample, name, { value, enumerable: true, configurable: true, writable: false });
        return value;
      },
    });
  }
  return sample;
}

function sceneToSample(scene: Scene, params: ShapesParams): Sample {
  const size = scene.size;
  const pixels = size * size;
  const K = params.maxObjects;
  const ids = scene.instanceIds;
  const shapes = scene.shapes;
  // value in 0..1 → valueRange, as scale · value + offset.
  const scale = params.valueRange === '-1..1' ? 2 : 1;
  const offset = params.valueRange === '-1..1' ? -1 : 0;

  return lazySample({
    image: () => {
      const out = new Float32Array(pixels * 3);
      const bg = scene.background;
      for (let p = 0; p < pixels; p++) {
        const id = ids[p];
        if (id > 0) {
          const color = shapes[id - 1].color;
          out[p * 3] = color[0] * scale + offset;
          out[p * 3 + 1] = color[1] * scale + offset;
          out[p * 3 + 2] = color[2] * scale + offset;
        } else {
          out[p * 3] = bg[p * 3] * scale + offset;
          out[p * 3 + 1] = bg[p * 3 + 1] * scale + offset;
          out[p * 3 + 2] = bg[p * 3 + 2] * scale + offset;
        }
      }
      return field(out, [size, size, 3]);
    },
    semantic: () => {
      const out = new Int32Array(pixels);
      for (let p = 0; p < pixels; p++) out[p] = ids[p] > 0 ? shapes[ids[p] - 1].classId : 0;
      return field(out, [size, size]);
    },
    edges: () => {
      // A visible outline pixel is a shape pixel next to background, the image
      // border, or a shape drawn before it; where two shapes meet only the one
      // on top is marked, so lines stay one pixel wide.
      const on = scale + offset;
      const out = new Float32Array(pixels).fill(offset);
      for (let row = 0; row < size; row++) {
        for (let col = 0; col < size; col++) {
          const p = row * size + col;
          const id = ids[p];
          if (id === 0) continue;
          if (
            row === 0 || col === 0 || row === size - 1 || col === size - 1 ||
            ids[p - 1] < id || ids[p + 1] < id || ids[p - size] < id || ids[p + size] < id
          ) {
            out[p] = on;
          }
        }
      }
      return field(out, [size, size, 1]);
    },
    labels: () => {
      const out = new Float32Array(SHAPE_CLASS_NAMES.length);
      for (const s of shapes) out[s.classId - 1] = 1;
      return field(out, [SHAPE_CLASS_NAMES.length]);
    },
    count: () => field(new Float32Array([shapes.length]), [1]),
    objectCount: () => field(new Int32Array([shapes.length]), []),
    classes: () => {
      const out = new Int32Array(K);
      shapes.forEach((s, k) => (out[k] = s.classId));
      return field(out, [K]);
    },
    boxes: () => {
      // Pixel-edge coordinates: a box covering columns 3..7 is x1 = 3, x2 = 8.
      const out = new Float32Array(K * 4);
      const minX = new Int32Array(K).fill(size);
      const minY = new Int32Array(K).fill(size);
      const maxX = new Int32Array(K).fill(-1);
      const maxY = new Int32Array(K).fill(-1);
      for (let row = 0; row < size; row++) {
        for (let col = 0; col < size; col++) {
          const id = ids[row * size + col];
          if (id === 0) continue;
          const k = id - 1;
          if (col < minX[k]) minX[k] = col;
          if (col > maxX[k]) maxX[k] = col;
          if (row < minY[k]) minY[k] = row;
          if (row > maxY[k]) maxY[k] = row;
        }
      }
      for (let k = 0; k < shapes.length; k++) out.set([minX[k], minY[k], maxX[k] + 1, maxY[k] + 1], k * 4);
      return field(out, [K, 4]);
    },
    masks: () => {
      const out = new Float32Array(pixels * K);
      for (let p = 0; p < pixels; p++) if (ids[p] > 0) out[p * K + ids[p] - 1] = 1;
      return field(out, [size, size, K]);
    },
    keypoints: () => {
      // Occluded points keep their true position with visible = 0; padding is all zeros.
      const out = new Float32Array(K * KEYPOINTS_PER_SHAPE * 3);
      shapes.forEach((shape, k) => {
        const points = shapeKeypoints(shape);
        for (let i = 0; i < KEYPOINTS_PER_SHAPE; i++) {
          const x = points[2 * i];
          const y = points[2 * i + 1];
          let visible = 1;
          for (let j = k + 1; j < shapes.length && visible; j++) if (insideShape(shapes[j], x, y)) visible = 0;
          out.set([x, y, visible], (k * KEYPOINTS_PER_SHAPE + i) * 3);
        }
      });
      return field(out, [K, KEYPOINTS_PER_SHAPE, 3]);
    },
  });
}

export function shapesFields(params: ShapesParams): Record<string, ValueType> {
  checkShapesParams(params);
  const S = params.imageSize;
  const K = params.maxObjects;
  return {
    image: { kind: 'image', shape: ['N', S, S, 3], dtype: 'float32' },
    semantic: { kind: 'labels', shape: ['N', S, S], dtype: 'int32' },
    edges: { kind: 'image', shape: ['N', S, S, 1], dtype: 'float32' },
    labels: { kind: 'vector', shape: ['N', SHAPE_CLASS_NAMES.length], dtype: 'float32' },
    count: { kind: 'vector', shape: ['N', 1], dtype: 'float32' },
    objectCount: { kind: 'tensor', shape: ['N'], dtype: 'int32' },
    boxes: { kind: 'boxes', shape: ['N', K, 4], dtype: 'float32' },
    classes: { kind: 'labels', shape: ['N', K], dtype: 'int32' },
    masks: { kind: 'mask', shape: ['N', S, S, K], dtype: 'float32' },
    keypoints: { kind: 'keypoints', shape: ['N', K, KEYPOINTS_PER_SHAPE, 3], dtype: 'float32' },
  };
}

export function openShapes(params: ShapesParams, options: { seed: number; split: Split }): DatasetSource {
  checkShapesParams(params);
  const size = options.split === 'val' ? params.valSize : params.trainSize === 0 ? Infinity : params.trainSize;
  // Forking by split name keeps train and val streams disjoint for every seed.
  const splitRng = new Rng(options.seed).fork(options.split);
  return {
    size,
    classNames: SHAPE_CLASS_NAMES,
    sample(index: number): Sample {
      if (!Number.isInteger(index) || index < 0 || index >= size) {
        throw new DatasetError(
          `sample index ${index} is out of range for the ${options.split} split (0..${size === Infinity ? '∞' : size - 1})`,
          "dataset 'shapes'",
        );
      }
      const scene = generateScene(splitRng.fork(index), params);
      return sceneToSample(scene, params);
    },
  };
}

export const shapesDataset = defineDataset({
  type: 'shapes',
  title: 'Synthetic shapes',
  doc:
    'Circles, squares and triangles in random colours over textured backgrounds, generated on the fly. ' +
    'Fields: image (H×W×3), semantic (class per pixel: 0 background, 1 circle, 2 square, 3 triangle), ' +
    'edges (visible outlines, for edges → image translation), labels (which classes are present), count, ' +
    'objectCount, and per object (padded to maxObjects = K, in drawing order, later ones on top): boxes ' +
    '(x1, y1, x2, y2 of the visible part, pixel edges), classes (1..3, 0 = padding), masks (H×W×K visible ' +
    'masks) and keypoints (K×4×(x, y, visible): square corners clockwise from the top; triangle corners ' +
    'clockwise from the top, then centroid; circle rim points at top, lower right, lower left, then centre; ' +
    'visible = 0 for padding and for points hidden under a later shape).',
  params: shapesParams,
  fields: shapesFields,
  open: openShapes,
});
