import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../../core/tf';
import { selectBackend } from '../../../../core/backend/select';
import { assignLevels, multiLevelRoiAlign, roiAlign, roiAlignPlain } from '../../../../core/ops/detection/roi-align';

interface SingleCase {
  name: string;
  aligned: boolean;
  samplingRatio: number;
  spatialScale: number;
  outputSize: [number, number];
  featureShape: [number, number, number, number];
  features: number[];
  rois: number[];
  upstream: number[];
  output: number[];
  gradient: number[];
}

interface MultiLevelCase {
  aligned: boolean;
  samplingRatio: number;
  outputSize: [number, number];
  canonicalSize: number;
  canonicalLevel: number;
  levels: { name: string; shape: [number, number, number, number]; features: number[]; gradient: number[] }[];
  assigned: number[];
  rois: number[];
  upstream: number[];
  output: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/detection/roi_align.json', import.meta.url), 'utf8')) as {
  single: SingleCase[];
  multiLevel: MultiLevelCase;
};

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

describe.each(['cpu', 'wasm'] as const)('RoIAlign vs torchvision roi_align (%s)', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend);
  });

  it.each(fixture.single.map((c) => [c.name, c] as const))('%s: forward and gradient within 1e-4', (_, c) => {
    const features = tf.tensor4d(c.features, c.featureShape);
    const options = { outputSize: c.outputSize, spatialScale: c.spatialScale, samplingRatio: c.samplingRatio, aligned: c.aligned };
    const output = roiAlign(features, c.rois, options);
    expect(output.shape).toEqual([c.rois.length / 5, c.outputSize[0], c.outputSize[1], c.featureShape[3]]);
    expect(maxAbsDiff(output.dataSync(), c.output)).toBeLessThan(1e-4);
    const upstream = tf.tensor(c.upstream, output.shape);
    const gradient = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(roiAlign(x as tf.Tensor4D, c.rois, options), upstream)))(features);
    expect(maxAbsDiff(gradient.dataSync(), c.gradient)).toBeLessThan(1e-4);
    tf.dispose([features, output, upstream, gradient]);
  });

  it('several levels: level assignment, forward and every level\'s gradient within 1e-4', () => {
    const c = fixture.multiLevel;
    const minLevel = 2;
    const assigned = assignLevels(c.rois, minLevel, minLevel + c.levels.length - 1, c.canonicalSize, c.canonicalLevel);
    expect(Array.from(assigned)).toEqual(c.assigned);
    // The fixture's boxes land on every level, so each level's gradient is exercised.
    expect(new Set(c.assigned).size).toBe(c.levels.length);
    const features = c.levels.map((l) => tf.tensor4d(l.features, l.shape));
    const levelOf = assigned.map((l) => l - minLevel);
    const options = { outputSize: c.outputSize, samplingRatio: c.samplingRatio, aligned: c.aligned };
    const pool = (...fs: tf.Tensor[]) =>
      multiLevelRoiAlign(fs.map((f, i) => ({ features: f as tf.Tensor4D, spatialScale: 1 / 2 ** (minLevel + i) })), c.rois, levelOf, options);
    const output = pool(...features);
    expect(maxAbsDiff(output.dataSync(), c.output)).toBeLessThan(1e-4);
    const upstream = tf.tensor(c.upstream, output.shape);
    const grads = tf.grads((...fs: tf.Tensor[]) => tf.sum(tf.mul(pool(...fs), upstream)))(features);
    grads.forEach((g, i) => expect(maxAbsDiff(g.dataSync(), c.levels[i].gradient), c.levels[i].name).toBeLessThan(1e-4));
    tf.dispose([...features, output, upstream, ...grads]);
  });
});

describe('RoIAlign edge cases', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('returns an empty R=0 result and a zero gradient for no RoIs', () => {
    const features = tf.ones([1, 4, 4, 2]) as tf.Tensor4D;
    const options = { outputSize: [2, 2] as const, spatialScale: 1, samplingRatio: 2, aligned: true };
    const output = roiAlign(features, [], options);
    expect(output.shape).toEqual([0, 2, 2, 2]);
    const g = tf.grad((x: tf.Tensor) => tf.sum(roiAlign(x as tf.Tensor4D, [], options)))(features);
    expect(Array.from(g.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([features, output, g]);
  });

  it('averages a constant map to that constant inside the map, and to less where samples fall outside', () => {
    const map = new Float32Array(8 * 8).fill(3);
    const options = { outputSize: [2, 2] as const, spatialScale: 1, samplingRatio: 2, aligned: true };
    const inside = roiAlignPlain(map, [1, 8, 8], [0, 1, 1, 7, 7], options);
    for (const v of inside) expect(v).toBeCloseTo(3, 6);
    const outside = roiAlignPlain(map, [1, 8, 8], [0, -6, -6, 2, 2], options);
    expect(outside[0]).toBeLessThan(3);
  });

  it('names a RoI whose batch index is not an image of the batch', () => {
    const features = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    expect(() => roiAlign(features, [2, 0, 0, 2, 2], { outputSize: [2, 2], spatialScale: 1, samplingRatio: 0, aligned: true })).toThrow(
      /RoI 0 has batch index 2.*2 image/,
    );
    features.dispose();
  });
});
