/**
 * The next run's settings: the graph's training section, overridden by what
 * the user typed in the settings panel (without editing the graph), checked
 * against the trainer contract before anything is sent.
 */
import type { AppRequest } from '../../core/contract/app-api';
import { trainSettingsSchema } from '../../core/contract/messages';
import { openDataset } from '../../core/data/batch';
import type { GraphDocument } from '../../core/graph/schema';
import { registries } from '../editor/catalog';
import type { BackendPreference, SettingsOverrides } from './store';
import { formatInteger } from './series';

export type StartSettings = AppRequest<'startTraining'>['settings'];

export interface EffectiveSettings {
  steps: number;
  batchSize: number;
  seed: number;
  logEvery: number;
  previewEvery: number;
  checkpointEvery: number;
}

export interface SettingField {
  name: keyof EffectiveSettings;
  label: string;
  min: number;
  max?: number;
  help: string;
}

export const SETTING_FIELDS: SettingField[] = [
  { name: 'steps', label: 'Steps', min: 1, max: 10_000_000, help: 'Optimizer steps to train for (each step is one batch).' },
  { name: 'batchSize', label: 'Batch size', min: 1, max: 4096, help: 'Samples per step. Lower it if training runs out of memory.' },
  { name: 'seed', label: 'Seed', min: 0, max: 2 ** 31 - 1, help: 'Seeds weights, batches, dropout and augmentation: the same seed reproduces the run exactly.' },
  { name: 'logEvery', label: 'Log every', min: 1, max: 1_000_000, help: 'Steps between logged losses (points on the plot).' },
  { name: 'previewEvery', label: 'Pictures every', min: 0, max: 1_000_000, help: 'Steps between sample pictures; 0 turns them off.' },
  { name: 'checkpointEvery', label: 'Checkpoints every', min: 0, max: 10_000_000, help: 'Steps between saved checkpoints; 0 keeps only the final one.' },
];

export const BACKENDS: { value: BackendPreference; label: string; help: string }[] = [
  { value: 'auto', label: 'Auto', help: 'The fastest available: native TensorFlow (GPU, then CPU) when installed, else WebAssembly.' },
  { value: 'wasm', label: 'WebAssembly', help: 'Portable and fast on the CPU; the default when native TensorFlow is not installed.' },
  { value: 'cpu', label: 'JavaScript CPU', help: 'The reference backend: slow, for checking results.' },
  { value: 'node', label: 'Native CPU', help: 'TensorFlow C library (needs @tensorflow/tfjs-node).' },
  { value: 'node-gpu', label: 'Native GPU (CUDA)', help: 'TensorFlow with CUDA (needs @tensorflow/tfjs-node-gpu and a CUDA GPU).' },
];

/** Samples in one epoch of the training split; undefined when the dataset is endless or cannot be opened. */
export function trainSetSize(dataset: GraphDocument['dataset'], seed: number): number | undefined {
  try {
    const size = openDataset(dataset, { seed, split: 'train' }, registries.datasets).size;
    return Number.isFinite(size) && size > 0 ? size : undefined;
  } catch {
    return undefined;
  }
}

export function stepsForEpochs(epochs: number, batchSize: number, size: number): number {
  return Math.max(1, Math.ceil((epochs * size) / batchSize));
}

export interface ResolvedSettings {
  effective: EffectiveSettings;
  /** Only what differs from the graph: the graph's own values travel with it. */
  request: StartSettings;
  problems: string[];
}

export function resolveSettings(
  doc: GraphDocument,
  overrides: SettingsOverrides,
  unit: 'steps' | 'epochs',
  backend: BackendPreference,
  epochSize: number | undefined = unit === 'epochs' ? trainSetSize(doc.dataset, doc.training.seed) : undefined,
): ResolvedSettings {
  const training = doc.training;
  const problems: string[] = [];
  const batchSize = overrides.batchSize ?? training.batchSize;
  let steps = overrides.steps ?? training.steps;
  if (unit === 'epochs' && overrides.epochs !== undefined) {
    if (epochSize === undefined) problems.push('Epochs need a dataset of fixed size; this one is generated without end, so give the length in steps.');
    else steps = stepsForEpochs(overrides.epochs, batchSize, epochSize);
  }
  const effective: EffectiveSettings = {
    steps,
    batchSize,
    seed: overrides.seed ?? training.seed,
    logEvery: overrides.logEvery ?? training.logEvery,
    previewEvery: overrides.previewEvery ?? training.previewEvery,
    checkpointEvery: overrides.checkpointEvery ?? training.checkpointEvery,
  };
  for (const field of SETTING_FIELDS) {
    const value = effective[field.name];
    if (!Number.isInteger(value) || value < field.min || (field.max !== undefined && value > field.max)) {
      problems.push(`${field.label} must be a whole number from ${field.min}${field.max !== undefined ? ` to ${formatInteger(field.max)}` : ''}; it is ${value}.`);
    }
  }
  const request: StartSettings = { backend };
  for (const field of SETTING_FIELDS) {
    if (effective[field.name] !== training[field.name]) (request as Record<string, unknown>)[field.name] = effective[field.name];
  }
  // The same schema the trainer checks with: a value it would refuse is refused here, before a process starts.
  const checked = trainSettingsSchema.omit({ outDir: true }).safeParse(request);
  if (!checked.success && problems.length === 0) problems.push(...checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return { effective, request, problems };
}
