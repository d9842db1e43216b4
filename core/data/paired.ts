/**
 * Synthetic paired image translation (pix2pix's setting, no download): the
 * synthetic shapes scenes as A = an outline sketch or a colour-coded label
 * map, B = the rendered image. Also the rendering helpers the unpaired and
 * labelled synthetic datasets share. Values are in −1..1, matching a tanh
 * generator; every sample is a pure function of (seed, split, index).
 */
import { defineDataset, DatasetError, type DatasetSource, type FieldArray, type Sample, type Split } from './dataset-api';
import { p, type ParamValues } from '../params';
import { Rng } from '../rng';
import type { ValueType } from '../types';
import { generateScene, type Scene, type SceneOptions } from './shapes-render';

/** Label-map colours per class (background, circle, square, triangle), like Cityscapes' colour-coded labels. */
export const LABEL_COLOURS: readonly [number, number, number][] = [
  [0, 0, 0],
  [1, 0.2, 0.2],
  [0.2, 1, 0.2],
  [0.25, 0.45, 1],
];

/** B's colour per class when colours are tied to the class, so the translation is well posed. */
export const CLASS_COLOURS: readonly [number, number, number][] = [
  [0.95, 0.55, 0.15],
  [0.2, 0.75, 0.95],
  [0.95, 0.9, 0.3],
];

const FLAT_BACKGROUND: [number, number, number] = [0.16, 0.17, 0.22];

export function field(data: Float32Array, shape: number[]): FieldArray {
  return { data, shape, dtype: 'float32' };
}

/** 0..1 → −1..1 in place. */
export function toSigned(values: Float32Array): Float32Array {
  for (let i = 0; i < values.length; i++) values[i] = values[i] * 2 - 1;
  return values;
}

/**
 * Visible outlines: a shape pixel next to the border, the background or a
 * shape drawn before it (only the shape on top is marked where two meet).
 */
export function outlineMask(scene: Scene): Uint8Array {
  const { size, instanceIds: ids } = scene;
  const out = new Uint8Array(size * size);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const p = row * size + col;
      const id = ids[p];
      if (id === 0) continue;
      if (row === 0 || col === 0 || row === size - 1 || col === size - 1 || ids[p - 1] < id || ids[p + 1] < id || ids[p - size] < id || ids[p + size] < id) {
        out[p] = 1;
      }
    }
  }
  return out;
}

export interface RenderStyle {
  /** Colour of shape k (0-based, drawing order). */
  colour(k: number): readonly [number, number, number];
  /** Brightness factor of a shape pixel, e.g. stripes or light. */
  shade?(row: number, col: number): number;
  /** Colour for outline pixels; absent leaves outlines as the fill. */
  outline?: (fill: readonly [number, number, number]) => [number, number, number];
  /** Background RGB per pixel (0..1, row-major); absent means the flat background. */
  background?: Float32Array;
}

/** Renders a scene to RGB in 0..1, channels last. */
export function renderScene(scene: Scene, style: RenderStyle): Float32Array {
  const { size, instanceIds: ids } = scene;
  const out = new Float32Array(size * size * 3);
  const outlines = style.outline ? outlineMask(scene) : undefined;
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const p = row * size + col;
      const id = ids[p];
      if (id === 0) {
        if (style.background) out.set(style.background.subarray(p * 3, p * 3 + 3), p * 3);
        else out.set(FLAT_BACKGROUND, p * 3);
        continue;
      }
      const fill = style.colour(id - 1);
      if (outlines?.[p]) {
        out.set(style.outline!(fill), p * 3);
        continue;
      }
      const shade = style.shade ? style.shade(row, col) : 1;
      out[p * 3] = Math.min(1, fill[0] * shade);
      out[p * 3 + 1] = Math.min(1, fill[1] * shade);
      out[p * 3 + 2] = Math.min(1, fill[2] * shade);
    }
  }
  return out;
}

export function checkObjectRange(params: { minObjects: number; maxObjects: number }, dataset: string): void {
  if (params.minObjects > params.maxObjects) {
    throw new DatasetError(`must be ≤ maxObjects (${params.maxObjects}), got ${params.minObjects} (dataset '${dataset}')`, 'minObjects');
  }
}

export function splitSize(params: { trainSize: number; valSize: number }, split: Split): number {
  return split === 'val' ? params.valSize : params.trainSize === 0 ? Infinity : params.trainSize;
}

export function checkIndex(index: number, size: number, split: Split, dataset: string): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new DatasetError(`sample index ${index} is out of range for the ${split} split (0..${size === Infinity ? '∞' : size - 1})`, `dataset '${dataset}'`);
  }
}

export const sizeParams = {
  imageSize: p.int({ default: 64, min: 16, max: 1024, doc: 'Width and height of the square images, in pixels.' }),
  minObjects: p.int({ default: 1, min: 1, max: 16, doc: 'Fewest shapes per image.' }),
  maxObjects: p.int({ default: 3, min: 1, max: 16, doc: 'Most shapes per image.' }),
  trainSize: p.int({
    default: 0,
    min: 0,
    max: 10_000_000,
    doc: 'Distinct training samples; 0 generates a fresh one for every step (an endless stream).',
  }),
  valSize: p.int({ default: 64, min: 1, max: 1_000_000, doc: 'Validation samples, always the same ones and never seen in training.' }),
};

export function sceneOptions(params: { imageSize: number; minObjects: number; maxObjects: number }, background: 'flat' | 'textured'): SceneOptions {
  return { imageSize: params.imageSize, minObjects: params.minObjects, maxObjects: params.maxObjects, minSize: 0.3, maxSize: 0.6, background };
}

const pairedParams = {
  ...sizeParams,
  source: p.enum({
    options: ['edges', 'labels'],
    default: 'edges',
    doc: "A: 'edges', a one-channel outline sketch (edges → photo); 'labels', a colour-coded class map (labels → photo).",
  }),
  colours: p.enum({
    options: ['by-class', 'random'],
    default: 'by-class',
    doc: "B's shape colours: one per class, so A determines B (a well-posed translation); or random, which A cannot predict.",
  }),
  background: p.enum({ options: ['flat', 'textured'], default: 'flat', doc: "B's background: one flat colour, or random texture A says nothing about." }),
};

export type PairedParams = ParamValues<typeof pairedParams>;

/** Light from above: shapes are rendered brighter at the top, so B is more than a flat fill. */
const topLight = (size: number) => (row: number) => 1.1 - (0.35 * row) / size;

export function openPaired(params: PairedParams, options: { seed: number; split: Split }): DatasetSource {
  checkObjectRange(params, 'shapes.paired');
  const size = splitSize(params, options.split);
  const splitRng = new Rng(options.seed).fork('paired').fork(options.split);
  const S = params.imageSize;
  const light = topLight(S);
  return {
    size,
    sample(index: number): Sample {
      checkIndex(index, size, options.split, 'shapes.paired');
      const scene = generateScene(splitRng.fork(index), sceneOptions(params, params.background));
      const b = renderScene(scene, {
        colour: (k) => (params.colours === 'by-class' ? CLASS_COLOURS[scene.shapes[k].classId - 1] : scene.shapes[k].color),
        shade: (row) => light(row),
        background: params.background === 'textured' ? scene.background : undefined,
      });
      let a: FieldArray;
      if (params.source === 'edges') {
        const outlines = outlineMask(scene);
        a = field(toSigned(Float32Array.from(outlines)), [S, S, 1]);
      } else {
        const map = renderScene(scene, { colour: (k) => LABEL_COLOURS[scene.shapes[k].classId], background: new Float32Array(S * S * 3) });
        a = field(toSigned(map), [S, S, 3]);
      }
      return { A: a, B: field(toSigned(b), [S, S, 3]) };
    },
  };
}

export function pairedFields(params: PairedParams): Record<string, ValueType> {
  checkObjectRange(params, 'shapes.paired');
  const S = params.imageSize;
  return {
    A: { kind: 'image', shape: ['N', S, S, params.source === 'edges' ? 1 : 3], dtype: 'float32' },
    B: { kind: 'image', shape: ['N', S, S, 3], dtype: 'float32' },
  };
}

export const pairedShapesDataset = defineDataset({
  type: 'shapes.paired',
  title: 'Synthetic pairs (sketch → image)',
  doc:
    "Paired image translation on the synthetic shapes, pix2pix's aligned setting with nothing to download: A is the " +
    "scene's outline sketch (1 channel) or colour-coded label map (3 channels), B the rendered scene (shapes lit from " +
    'above, in a colour per class by default, over a flat or textured background). Both in −1..1. The default ' +
    'pix2pix dataset.',
  params: pairedParams,
  fields: pairedFields,
  open: openPaired,
});
