/**
 * From a graph's dataset spec to batches of tensors: resolving and checking
 * params, choosing which sample indices make up each training step, and
 * stacking samples with a leading batch dimension.
 *
 * Batch composition depends only on (seed, step), never on loader state, so
 * a run resumed from a checkpoint sees exactly the batches an uninterrupted
 * run would have seen.
 */
import { tf } from '../tf';
import { checkParam, defaultParams, type ParamSpecs, type ParamValues } from '../params';
import { Rng } from '../rng';
import type { ValueType } from '../types';
import { DatasetError, type AnyDatasetDefinition, type DatasetSource, type OpenOptions } from './dataset-api';
import { datasetRegistry, type DatasetRegistry } from './registry';

export interface DatasetSpec {
  type: string;
  params: Record<string, unknown>;
}

/**
 * Looks the dataset type up, fills defaults for missing params and checks
 * every value against its spec; errors name the param and the dataset type.
 */
export function resolveDataset(
  spec: DatasetSpec,
  registry: DatasetRegistry = datasetRegistry,
): { definition: AnyDatasetDefinition; params: ParamValues<ParamSpecs> } {
  const definition = Object.prototype.hasOwnProperty.call(registry, spec.type) ? registry[spec.type] : undefined;
  if (!definition) {
    const known = Object.keys(registry).map((t) => `'${t}'`).join(', ') || 'none';
    throw new DatasetError(`unknown dataset type '${spec.type}'; known types: ${known}`, 'dataset.type');
  }
  const specs: ParamSpecs = definition.params;
  for (const name of Object.keys(spec.params ?? {})) {
    if (!Object.prototype.hasOwnProperty.call(specs, name)) {
      throw new DatasetError(
        `dataset '${spec.type}' has no param '${name}'; remove it or use one of: ${Object.keys(specs).join(', ')}`,
        name,
      );
    }
  }
  const params: Record<string, unknown> = { ...defaultParams(specs), ...spec.params };
  for (const [name, paramSpec] of Object.entries(specs)) {
    const why = checkParam(paramSpec, params[name]);
    if (why) throw new DatasetError(`${why} (param of dataset '${spec.type}')`, name);
  }
  return { definition, params: params as ParamValues<ParamSpecs> };
}

export function openDataset(
  spec: DatasetSpec,
  options: OpenOptions,
  registry: DatasetRegistry = datasetRegistry,
): DatasetSource {
  const { definition, params } = resolveDataset(spec, registry);
  return definition.open(params, options);
}

/** The fields a dataset's samples carry, with 'N' as the batch dimension. */
export function datasetFields(spec: DatasetSpec, registry: DatasetRegistry = datasetRegistry): Record<string, ValueType> {
  const { definition, params } = resolveDataset(spec, registry);
  return definition.fields(params);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Stacks the samples at `indices` into one tensor per field with a leading
 * batch dimension. `fields` picks a subset (all fields when omitted); since
 * samples may compute fields lazily, asking only for what a graph uses saves
 * work. The caller owns, and must dispose, the returned tensors.
 */
export function makeBatch(source: DatasetSource, indices: number[], fields?: string[]): Record<string, tf.Tensor> {
  if (indices.length === 0) throw new DatasetError('cannot make a batch from no samples; batchSize must be ≥ 1');
  const samples = indices.map((i) => source.sample(i));
  const names = fields ?? Object.keys(samples[0]);
  const batch: Record<string, tf.Tensor> = {};
  try {
    for (const name of names) {
      const first = samples[0][name];
      if (!first) {
        throw new DatasetError(
          `the dataset has no field '${name}'; it provides: ${Object.keys(samples[0]).join(', ')}`,
          name,
        );
      }
      const perSample = first.data.length;
      const data = first.dtype === 'int32' ? new Int32Array(perSample * samples.length) : new Float32Array(perSample * samples.length);
      samples.forEach((sample, b) => {
        const value = sample[name];
        if (!value || value.dtype !== first.dtype || !sameShape(value.shape, first.shape) || value.data.length !== perSample) {
          throw new DatasetError(
            `sample ${indices[b]} has ${value ? `${value.dtype} [${value.shape.join(', ')}]` : 'no value'} but sample ` +
              `${indices[0]} has ${first.dtype} [${first.shape.join(', ')}]; every sample of a field must have the same shape to be batched`,
            name,
          );
        }
        data.set(value.data, b * perSample);
      });
      batch[name] = tf.tensor(data, [samples.length, ...first.shape], first.dtype);
    }
  } catch (error) {
    for (const tensor of Object.values(batch)) tensor.dispose();
    throw error;
  }
  return batch;
}

/** The most recent epoch order: consecutive steps almost always fall in the same epoch. */
let cachedOrder: { seed: number; size: number; epoch: number; order: Int32Array } | null = null;

function epochOrder(seed: number, size: number, epoch: number): Int32Array {
  if (cachedOrder && cachedOrder.seed === seed && cachedOrder.size === size && cachedOrder.epoch === epoch) {
    return cachedOrder.order;
  }
  const rng = new Rng(seed).fork('batch-order').fork(epoch);
  const order = new Int32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  cachedOrder = { seed, size, epoch, order };
  return order;
}

/**
 * The sample indices of training step `step`. Endless datasets (size
 * Infinity) simply count up, so no sample repeats. Finite ones visit every
 * sample once per epoch in an order shuffled afresh each epoch; a batch may
 * straddle two epochs. Computed from (seed, step) alone.
 */
export function batchIndices(step: number, batchSize: number, size: number, seed: number): number[] {
  if (!Number.isInteger(step) || step < 0) throw new RangeError(`batchIndices: step must be a whole number ≥ 0, got ${step}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchIndices: batchSize must be a whole number ≥ 1, got ${batchSize}`);
  if (size !== Infinity && (!Number.isInteger(size) || size < 1)) {
    throw new RangeError(`batchIndices: dataset size must be a whole number ≥ 1 or Infinity, got ${size}`);
  }
  const indices: number[] = [];
  for (let i = 0; i < batchSize; i++) {
    const position = step * batchSize + i;
    if (size === Infinity) {
      indices.push(position);
    } else {
      indices.push(epochOrder(seed, size, Math.floor(position / size))[position % size]);
    }
  }
  return indices;
}
