/**
 * Synthetic unpaired domains (CycleGAN's setting, no download): two
 * renderings of the synthetic shapes that differ in style, A flat and B
 * striped with bright outlines over a textured background, each drawn from
 * its own independent stream of scenes — no A has a B counterpart.
 */
import { defineDataset, type DatasetSource, type Sample, type Split } from './dataset-api';
import { p, type ParamValues } from '../params';
import { Rng } from '../rng';
import type { ValueType } from '../types';
import { generateScene } from './shapes-render';
import { checkIndex, checkObjectRange, field, renderScene, sceneOptions, sizeParams, splitSize, toSigned } from './paired';

const unpairedParams = {
  ...sizeParams,
  stripePeriod: p.int({ default: 4, min: 2, max: 64, doc: "Pixels per light-dark cycle of domain B's diagonal stripes." }),
};

export type UnpairedParams = ParamValues<typeof unpairedParams>;

/** Domain B's look: diagonal stripes inside shapes and a bright rim around them. */
function striped(period: number) {
  return (row: number, col: number) => 0.55 + 0.45 * (0.5 + 0.5 * Math.cos((2 * Math.PI * (row + col)) / period));
}

const brightRim = (fill: readonly [number, number, number]): [number, number, number] => [
  0.6 + 0.4 * fill[0],
  0.6 + 0.4 * fill[1],
  0.6 + 0.4 * fill[2],
];

export function openUnpaired(params: UnpairedParams, options: { seed: number; split: Split }): DatasetSource {
  checkObjectRange(params, 'shapes.unpaired');
  const size = splitSize(params, options.split);
  const splitRng = new Rng(options.seed).fork('unpaired').fork(options.split);
  const streamA = splitRng.fork('A');
  const streamB = splitRng.fork('B');
  const S = params.imageSize;
  const stripes = striped(params.stripePeriod);
  return {
    size,
    sample(index: number): Sample {
      checkIndex(index, size, options.split, 'shapes.unpaired');
      const sceneA = generateScene(streamA.fork(index), sceneOptions(params, 'flat'));
      const sceneB = generateScene(streamB.fork(index), sceneOptions(params, 'textured'));
      const a = renderScene(sceneA, { colour: (k) => sceneA.shapes[k].color, background: sceneA.background });
      const b = renderScene(sceneB, { colour: (k) => sceneB.shapes[k].color, shade: stripes, outline: brightRim, background: sceneB.background });
      return { A: field(toSigned(a), [S, S, 3]), B: field(toSigned(b), [S, S, 3]) };
    },
  };
}

export function unpairedFields(params: UnpairedParams): Record<string, ValueType> {
  checkObjectRange(params, 'shapes.unpaired');
  const S = params.imageSize;
  return {
    A: { kind: 'image', shape: ['N', S, S, 3], dtype: 'float32' },
    B: { kind: 'image', shape: ['N', S, S, 3], dtype: 'float32' },
  };
}

export const unpairedShapesDataset = defineDataset({
  type: 'shapes.unpaired',
  title: 'Synthetic unpaired domains (flat ↔ striped)',
  doc:
    "Two unpaired image domains from the synthetic shapes, CycleGAN's setting with nothing to download: A renders " +
    'scenes in flat colours over a flat background, B renders other, independently drawn scenes with diagonal stripes, ' +
    'bright outlines and a textured background. Sample i of A and of B show unrelated scenes. Both in −1..1. The ' +
    'default CycleGAN dataset; the perceptual-loss template uses A as content and B as style.',
  params: unpairedParams,
  fields: unpairedFields,
  open: openUnpaired,
});
