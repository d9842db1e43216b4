/**
 * Labelled synthetic images for conditional GANs (class → image): one shape
 * per image, its class as a one-hot row. Colour, size, place and rotation
 * are random, so the generator's noise has something to decide.
 */
import { defineDataset, DatasetError, type DatasetSource, type Sample, type Split } from './dataset-api';
import { p, type ParamValues } from '../params';
import { Rng } from '../rng';
import type { ValueType } from '../types';
import { generateScene, SHAPE_CLASS_NAMES } from './shapes-render';
import { checkIndex, field, renderScene, sceneOptions, splitSize, toSigned } from './paired';

const labelledParams = {
  imageSize: p.int({ default: 32, min: 16, max: 1024, doc: 'Width and height of the square images, in pixels.' }),
  background: p.enum({
    options: ['flat', 'plain', 'textured'],
    default: 'flat',
    doc: 'One random flat colour per image; plain, the same dark grey behind every shape (the easiest to learn); or random texture.',
  }),
  minSize: p.float({ default: 0.3, min: 0.1, max: 1, doc: 'Smallest shape, its circumscribed circle\'s diameter as a fraction of the image side.' }),
  maxSize: p.float({
    default: 0.6,
    min: 0.1,
    max: 1,
    doc: 'Largest shape, as minSize. Shapes stay whole inside the image, so large ones are also near the centre.',
  }),
  trainSize: p.int({ default: 0, min: 0, max: 10_000_000, doc: 'Distinct training images; 0 generates a fresh one for every step.' }),
  valSize: p.int({ default: 64, min: 1, max: 1_000_000, doc: 'Validation images, always the same ones and never seen in training.' }),
};

export type LabelledParams = ParamValues<typeof labelledParams>;

function checkSizes(params: LabelledParams): void {
  if (params.minSize > params.maxSize) {
    throw new DatasetError(`must be ≤ maxSize (${params.maxSize}), got ${params.minSize} (dataset 'shapes.labelled')`, 'minSize');
  }
}

export function openLabelled(params: LabelledParams, options: { seed: number; split: Split }): DatasetSource {
  checkSizes(params);
  const size = splitSize(params, options.split);
  const splitRng = new Rng(options.seed).fork('labelled').fork(options.split);
  const S = params.imageSize;
  const classes = SHAPE_CLASS_NAMES.length;
  return {
    size,
    classNames: SHAPE_CLASS_NAMES,
    sample(index: number): Sample {
      checkIndex(index, size, options.split, 'shapes.labelled');
      const scene = generateScene(splitRng.fork(index), {
        ...sceneOptions({ imageSize: S, minObjects: 1, maxObjects: 1 }, params.background === 'textured' ? 'textured' : 'flat'),
        minSize: params.minSize,
        maxSize: params.maxSize,
      });
      // renderScene draws its own fixed grey when given no background.
      const background = params.background === 'plain' ? undefined : scene.background;
      const image = renderScene(scene, { colour: (k) => scene.shapes[k].color, background });
      const labels = new Float32Array(classes);
      labels[scene.shapes[0].classId - 1] = 1;
      return { image: field(toSigned(image), [S, S, 3]), labels: field(labels, [classes]) };
    },
  };
}

export function labelledFields(params: LabelledParams): Record<string, ValueType> {
  checkSizes(params);
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
    'One circle, square or triangle per image in a random colour, size, place and rotation over a flat, plain grey or ' +
    'textured background, with its class as a one-hot row (circle, square, triangle): the data for a conditional GAN that ' +
    'draws a shape of the class it is asked for. Images in −1..1.',
  params: labelledParams,
  fields: labelledFields,
  open: openLabelled,
});
