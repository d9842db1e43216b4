import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { batchIndices, datasetFields, makeBatch, openDataset, resolveDataset } from '../../../core/data/batch';
import { DatasetError, defineDataset, type DatasetSource } from '../../../core/data/dataset-api';
import { concreteShape } from '../../../core/types';
import { p } from '../../../core/params';

function datasetErrorOf(run: () => unknown): DatasetError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected a DatasetError');
}

describe('openDataset and datasetFields', () => {
  it('fills defaults for missing params', () => {
    const { params } = resolveDataset({ type: 'shapes', params: { imageSize: 32 } });
    expect(params).toMatchObject({ imageSize: 32, maxObjects: 3, background: 'textured', valueRange: '0..1', valSize: 64 });
    expect(openDataset({ type: 'shapes', params: {} }, { seed: 0, split: 'val' }).size).toBe(64);
  });

  it('names the param and the dataset type when a value is out of range', () => {
    const error = datasetErrorOf(() => openDataset({ type: 'shapes', params: { imageSize: 2000 } }, { seed: 0, split: 'train' }));
    expect(error.where).toBe('imageSize');
    expect(error.message).toMatch(/^imageSize: must be ≤ 1024, got 2000 .*'shapes'/);
    expect(datasetErrorOf(() => datasetFields({ type: 'shapes', params: { background: 'plaid' } })).message).toMatch(
      /background: must be one of 'textured', 'flat', got "plaid"/,
    );
    expect(datasetErrorOf(() => datasetFields({ type: 'shapes', params: { maxObjects: 2.5 } })).where).toBe('maxObjects');
  });

  it('rejects unknown params and dataset types, listing what exists', () => {
    const unknownParam = datasetErrorOf(() => datasetFields({ type: 'shapes', params: { imagesize: 32 } }));
    expect(unknownParam.where).toBe('imagesize');
    expect(unknownParam.message).toMatch(/dataset 'shapes' has no param 'imagesize'.*imageSize/);
    expect(datasetErrorOf(() => datasetFields({ type: 'mnist', params: {} })).message).toMatch(/unknown dataset type 'mnist'.*'shapes'/);
  });

  it('passes cross-param errors from the dataset through', () => {
    expect(datasetErrorOf(() => openDataset({ type: 'shapes', params: { minObjects: 4 } }, { seed: 0, split: 'train' })).where).toBe(
      'minObjects',
    );
  });

  it('looks types up in the registry it is given', () => {
    const tiny = defineDataset({
      type: 'tiny',
      title: 'Tiny',
      doc: 'One number per sample.',
      params: { size: p.int({ default: 3, min: 1, doc: 'Samples.' }) },
      fields: () => ({ x: { kind: 'vector', shape: ['N', 1], dtype: 'float32' } }),
      open: (params) => ({ size: params.size, sample: (i: number) => ({ x: { data: new Float32Array([i]), shape: [1], dtype: 'float32' } }) }),
    });
    expect(datasetFields({ type: 'tiny', params: {} }, { tiny })).toEqual({ x: { kind: 'vector', shape: ['N', 1], dtype: 'float32' } });
    expect(openDataset({ type: 'tiny', params: { size: 5 } }, { seed: 0, split: 'train' }, { tiny }).size).toBe(5);
    expect(() => datasetFields({ type: 'shapes', params: {} }, { tiny })).toThrow(/unknown dataset type 'shapes'; known types: 'tiny'/);
  });
});

describe('makeBatch', () => {
  let tensorsBefore = 0;
  beforeEach(() => {
    tensorsBefore = tf.memory().numTensors;
  });
  afterEach(() => {
    expect(tf.memory().numTensors, 'tests dispose what they create').toBe(tensorsBefore);
  });

  const spec = { type: 'shapes', params: { imageSize: 24, maxObjects: 4 } };

  it('stacks every field with a leading batch dimension, matching the declared types', () => {
    const source = openDataset(spec, { seed: 2, split: 'train' });
    const indices = [4, 0, 9];
    const batch = makeBatch(source, indices);
    const declared = datasetFields(spec);
    expect(Object.keys(batch).sort()).toEqual(Object.keys(declared).sort());
    for (const [name, type] of Object.entries(declared)) {
      expect(batch[name].shape, name).toEqual(concreteShape(type.shape!, { N: 3 }));
      expect(batch[name].dtype, name).toBe(type.dtype);
    }
    // Row b of each tensor is exactly sample indices[b].
    for (const name of ['image', 'semantic', 'keypoints', 'objectCount']) {
      const data = batch[name].dataSync();
      const per = data.length / indices.length;
      indices.forEach((index, b) => {
        expect(Array.from(data.subarray(b * per, (b + 1) * per)), `${name}[${b}]`).toEqual(Array.from(source.sample(index)[name].data));
      });
    }
    for (const tensor of Object.values(batch)) tensor.dispose();
  });

  it('builds only the requested fields and names a missing one', () => {
    const source = openDataset(spec, { seed: 2, split: 'val' });
    const batch = makeBatch(source, [1, 2], ['image', 'labels']);
    expect(Object.keys(batch)).toEqual(['image', 'labels']);
    expect(batch.labels.shape).toEqual([2, 3]);
    for (const tensor of Object.values(batch)) tensor.dispose();
    const error = datasetErrorOf(() => makeBatch(source, [0], ['image', 'depth']));
    expect(error.where).toBe('depth');
    expect(error.message).toMatch(/no field 'depth'; it provides: image, semantic/);
    expect(() => makeBatch(source, [])).toThrow(/no samples/);
  });

  it('refuses to stack samples whose shapes differ, naming the field and samples', () => {
    const ragged: DatasetSource = {
      size: 2,
      sample: (i) => ({ x: { data: new Float32Array(i + 1), shape: [i + 1], dtype: 'float32' } }),
    };
    expect(() => makeBatch(ragged, [0, 1])).toThrow(/x: sample 1 has float32 \[2\] but sample 0 has float32 \[1\]/);
  });
});

describe('batchIndices', () => {
  it('counts up through endless datasets', () => {
    expect(batchIndices(0, 4, Infinity, 1)).toEqual([0, 1, 2, 3]);
    expect(batchIndices(10, 4, Infinity, 1)).toEqual([40, 41, 42, 43]);
  });

  it('visits every sample of a finite set exactly once per epoch, including batches that straddle epochs', () => {
    const size = 10;
    const batchSize = 3;
    const seen: number[] = [];
    for (let step = 0; step < 10; step++) seen.push(...batchIndices(step, batchSize, size, 5));
    const epochs = [seen.slice(0, 10), seen.slice(10, 20), seen.slice(20, 30)];
    for (const epoch of epochs) expect([...epoch].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Each epoch is shuffled afresh, and none is simply in order.
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(epochs[1]).not.toEqual(epochs[2]);
    for (const epoch of epochs) expect(epoch).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('depends only on (seed, step): any call order gives the same batch', () => {
    const forward = [0, 1, 2, 3, 4, 5, 6, 7].map((step) => batchIndices(step, 4, 13, 9));
    const backward = [7, 6, 5, 4, 3, 2, 1, 0].map((step) => batchIndices(step, 4, 13, 9)).reverse();
    expect(backward).toEqual(forward);
    batchIndices(0, 4, 13, 10); // another seed in between must not leak into the next call
    expect(batchIndices(5, 4, 13, 9)).toEqual(forward[5]);
    expect(batchIndices(0, 4, 13, 10)).not.toEqual(forward[0]);
  });

  it('rejects nonsense arguments', () => {
    expect(() => batchIndices(-1, 4, 10, 0)).toThrow(/step/);
    expect(() => batchIndices(0, 0, 10, 0)).toThrow(/batchSize/);
    expect(() => batchIndices(0, 4, 0, 0)).toThrow(/size/);
  });
});
