/**
 * The synthetic datasets of the generative family: paired (sketch or label
 * map → image), unpaired (flat ↔ striped, independent streams) and
 * labelled (class → image). Fields as declared, values in −1..1, samples
 * pure functions of (seed, split, index).
 */
import { describe, expect, it } from 'vitest';
import { datasetFields, openDataset } from '../../../core/data/batch';
import type { Sample } from '../../../core/data/dataset-api';
import { concreteShape } from '../../../core/types';

const TYPES: [string, Record<string, unknown>][] = [
  ['shapes.paired', { imageSize: 24 }],
  ['shapes.paired', { imageSize: 24, source: 'labels', colours: 'random', background: 'textured' }],
  ['shapes.unpaired', { imageSize: 24 }],
  ['shapes.labelled', { imageSize: 24 }],
];

const same = (a: Sample, b: Sample) => Object.keys(a).every((k) => a[k].data.every((v, i) => v === b[k].data[i]));

describe.each(TYPES)('%s %j', (type, params) => {
  it('gives the declared fields, in −1..1 (one-hot labels in 0..1), reproducibly', () => {
    const spec = { type, params };
    const fields = datasetFields(spec);
    const train = openDataset(spec, { seed: 1, split: 'train' });
    const again = openDataset(spec, { seed: 1, split: 'train' });
    const other = openDataset(spec, { seed: 2, split: 'train' });
    const val = openDataset(spec, { seed: 1, split: 'val' });
    expect(train.size).toBe(Infinity);
    expect(val.size).toBe(64);
    for (let i = 0; i < 4; i++) {
      const sample = train.sample(i);
      expect(Object.keys(sample).sort()).toEqual(Object.keys(fields).sort());
      for (const [name, value] of Object.entries(sample)) {
        expect(value.shape, name).toEqual(concreteShape(fields[name].shape!, { N: 1 }).slice(1));
        expect(value.dtype).toBe('float32');
        const lo = name === 'labels' ? 0 : -1;
        expect(value.data.every((v) => v >= lo && v <= 1), `${name} range`).toBe(true);
      }
      expect(same(sample, again.sample(i))).toBe(true);
      expect(same(sample, other.sample(i))).toBe(false);
      expect(same(sample, val.sample(i))).toBe(false);
    }
    expect(() => val.sample(64)).toThrow(/out of range for the val split/);
  });
});

describe('shapes.paired', () => {
  it('edges A are outlines of B\'s shapes: every outline pixel is a shape pixel of B', () => {
    const source = openDataset({ type: 'shapes.paired', params: { imageSize: 32 } }, { seed: 0, split: 'train' });
    const { A, B } = source.sample(0);
    const background = Array.from(B.data.slice(0, 3));
    let outline = 0;
    for (let p = 0; p < 32 * 32; p++) {
      if (A.data[p] > 0) {
        outline++;
        const pixel = Array.from(B.data.slice(p * 3, p * 3 + 3));
        expect(pixel).not.toEqual(background);
      }
    }
    expect(outline).toBeGreaterThan(10);
  });

  it('with colours by class, the same class always gets the same hue in B', () => {
    const source = openDataset({ type: 'shapes.paired', params: { imageSize: 32, source: 'labels' } }, { seed: 0, split: 'train' });
    // Label colours (A) identify the class; B's colour there, normalised for the top-down light, is fixed per class.
    const hueByLabel = new Map<string, string>();
    for (let i = 0; i < 6; i++) {
      const { A, B } = source.sample(i);
      for (let p = 0; p < 32 * 32; p += 7) {
        const label = Array.from(A.data.slice(p * 3, p * 3 + 3)).join(',');
        if (label === '-1,-1,-1') continue;
        const rgb = Array.from(B.data.slice(p * 3, p * 3 + 3)).map((v) => (v + 1) / 2);
        const max = Math.max(...rgb);
        const hue = rgb.map((v) => (v / max).toFixed(1)).join(',');
        if (max < 0.99) {
          if (hueByLabel.has(label)) expect(hueByLabel.get(label), label).toBe(hue);
          hueByLabel.set(label, hue);
        }
      }
    }
    expect(hueByLabel.size).toBeGreaterThanOrEqual(2);
  });
});

describe('shapes.unpaired', () => {
  it('draws A and B from independent streams: B of sample i is not the striped A of sample i', () => {
    const source = openDataset({ type: 'shapes.unpaired', params: { imageSize: 32 } }, { seed: 0, split: 'train' });
    // Where the shapes are: pixels that differ clearly from the corner's (background) colour.
    const foreground = (data: Float32Array) => {
      const corner = data.slice(0, 3);
      return Array.from({ length: 32 * 32 }, (_, p) => (Math.abs(data[p * 3] - corner[0]) + Math.abs(data[p * 3 + 1] - corner[1]) > 0.3 ? 1 : 0));
    };
    let overlapTotal = 0;
    for (let i = 0; i < 5; i++) {
      const { A, B } = source.sample(i);
      const a = foreground(A.data as Float32Array);
      const b = foreground(B.data as Float32Array);
      const both = a.reduce((n: number, v, p) => n + (v && b[p] ? 1 : 0), 0);
      const either = a.reduce((n: number, v, p) => n + (v || b[p] ? 1 : 0), 0);
      overlapTotal += both / Math.max(1, either);
    }
    expect(overlapTotal / 5).toBeLessThan(0.5);
    // Changing B's stripes leaves A untouched: the domains do not share draws.
    const wider = openDataset({ type: 'shapes.unpaired', params: { imageSize: 32, stripePeriod: 8 } }, { seed: 0, split: 'train' });
    expect(Array.from(wider.sample(0).A.data)).toEqual(Array.from(source.sample(0).A.data));
    expect(Array.from(wider.sample(0).B.data)).not.toEqual(Array.from(source.sample(0).B.data));
  });
});

describe('shapes.labelled', () => {
  it('one shape per image with a one-hot class, all three classes appearing', () => {
    const source = openDataset({ type: 'shapes.labelled', params: {} }, { seed: 0, split: 'train' });
    expect(source.classNames).toEqual(['circle', 'square', 'triangle']);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30; i++) {
      const { labels, image } = source.sample(i);
      expect(image.shape).toEqual([32, 32, 3]);
      expect(Array.from(labels.data).reduce((a, b) => a + b, 0)).toBe(1);
      counts[Array.from(labels.data).indexOf(1)]++;
    }
    expect(counts.every((c) => c > 3)).toBe(true);
  });
});
