/**
 * `tensorweave export-data`: samples of a dataset written to files, so the
 * exported PyTorch package trains on exactly the samples we generate
 * (synthetic datasets have no files of their own). One safetensors file holds
 * every field as [count, ...] in our channels-last layout; samples.json says
 * which fields are images (data.py turns those to C×H×W) and where they came
 * from.
 */
import { makeBatch, openDataset, resolveDataset } from '../data/batch';
import type { DatasetRegistry } from '../data/registry';
import type { Split } from '../data/dataset-api';
import { encodeSafetensors, type SafeTensor } from './safetensors';

export interface ExportDataOptions {
  type: string;
  params?: Record<string, unknown>;
  count: number;
  seed: number;
  split: Split;
}

export function exportSamples(options: ExportDataOptions, registry: DatasetRegistry): Record<string, string | Uint8Array> {
  const spec = { type: options.type, params: options.params ?? {} };
  const { definition, params } = resolveDataset(spec, registry);
  const fields = definition.fields(params as never);
  const source = openDataset(spec, { seed: options.seed, split: options.split }, registry);
  if (options.count > source.size) {
    throw new Error(`--count ${options.count} exceeds the ${source.size} samples of the ${options.split} split of '${options.type}'; lower --count`);
  }
  const tensors: Record<string, SafeTensor> = {};
  // In chunks, so a large export never holds more than one chunk's tensors at once besides the output arrays.
  const names = Object.keys(fields);
  const chunk = 64;
  const parts: Record<string, { data: (Float32Array | Int32Array)[]; shape: number[]; int: boolean }> = {};
  for (let start = 0; start < options.count; start += chunk) {
    const indices = Array.from({ length: Math.min(chunk, options.count - start) }, (_, i) => start + i);
    const batch = makeBatch(source, indices, names);
    for (const [name, t] of Object.entries(batch)) {
      const part = (parts[name] ??= { data: [], shape: t.shape.slice(1), int: t.dtype === 'int32' });
      part.data.push(t.dataSync() as Float32Array | Int32Array);
      t.dispose();
    }
  }
  for (const [name, part] of Object.entries(parts)) {
    const size = part.data.reduce((a, d) => a + d.length, 0);
    const data = part.int ? new Int32Array(size) : new Float32Array(size);
    let at = 0;
    for (const d of part.data) {
      data.set(d, at);
      at += d.length;
    }
    tensors[name] = part.int ? { dtype: 'I32', shape: [options.count, ...part.shape], data: data as Int32Array } : { dtype: 'F32', shape: [options.count, ...part.shape], data: data as Float32Array };
  }
  const info = {
    format: 'tensorweave.samples',
    version: 1,
    dataset: spec,
    seed: options.seed,
    split: options.split,
    count: options.count,
    images: Object.keys(parts).filter((name) => fields[name]?.kind === 'image' && parts[name].shape.length === 3),
  };
  return { 'samples.safetensors': encodeSafetensors(tensors, { format: 'tensorweave.samples' }), 'samples.json': `${JSON.stringify(info, null, 1)}\n` };
}
