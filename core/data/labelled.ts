/**
 * Labelled synthetic images for conditional GANs (class → image): one shape
 * per image, its class as a one-hot row. Colour, size, place and rotation
 * are random, so the generator's noise has something to decide.
 */
import { defineDataset, type DatasetSource, type Sample, type Split } from './dataset-api';
import { p, type ParamValues } from '../params';
import { Rng } from '../rng';
import type { ValueType } from '../types';
import { generateScene, SHAPE_CLASS_NAMES } from './shapes-render';
import { checkIndex, field, renderScene, sceneOptions, splitSize, toSigned } from './paired';

const labelledParams = {
  imageSize: p.int({ default: 32, min: 16, max: 1024, doc: 'Width and height of the square images, in pixels.' }),
  background: p.enum({ options: ['flat', 'textured'], default: 'flat', doc: 'One flat colour per image, or random texture.' }),
  trainSize: p.int({ default: 0, min: 0, max: 10_000_000, doc: 'Distinct training images; 0 generates a fresh one for every step.' }),
  valSize: p.int({ default: 64, min: 1, max: 1_000_000, doc: 'Validation images, always the same ones and never seen in training.' }),
};

export type LabelledParams = ParamValues<typeof labelledParams>;

export function openLabelled(params: LabelledParams, options: { seed: number; split: Split }): DatasetSource {
  const size = splitSize(params, options.split);
  const splitRng = new Rng(options.seed).fork('labelled').fork(options.split);
  const S = params.imageSize;
  const classes = SHAPE_CLASS_NAMES.length;
  return {
    size,
    classNames: SHAPE_CLASS_NAMES,
    sample(index: number): Sample {
      checkIndex(index, size, options.split, 'shapes.labelled');
      const scene = generateScene(splitRng.fork(index), sceneOptions({ imageSize: S, minObjects: 1, maxObjects: 1 }, params.background));
      const image = renderScene(scene, { colour: (k) => scene.shapes[k].color, background: scene.background });
      const labels = new Float32Array(classes);
      labels[scene.shapes[0].classId - 1] = 1;
      return { image: field(toSigned(image), [S, S, 3]), labels: field(labels, [classes]) };
    },
  };
}

export function labelledFields(params: LabelledParams): Record<string, ValueType> {
  const S = params.imageSize;
  return {
    image: { kind: 'image', shape: ['N', S, S, 3], dtype: 'float32' },
    labels: { kind: 'vector', shape: ['N', SHAPE_CLASS_NAMES.length], dtype: 'float32' },
  };
}

export const labelledShapesDataset = defineDataset({
  type: 'shapes.labelled',
  title: 'Synthetic labelled shapes (class → image)',
  doc:
    'One circle, square or triangle per image in a random colour, size, place and rotation over a flat (or textured) ' +
    'background, with its class as a one-hot row (circle, square, triangle): the data for a conditional GAN that ' +
    'draws a shape of the class it is asked for. Images in −1..1.',
  params: labelledParams,
  fields: labelledFields,
  open: openLabelled,
});
