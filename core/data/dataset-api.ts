/**
 * Datasets are declared like nodes: a stable type, documented params and the
 * fields they produce (so the dataset input node can type its ports before any
 * sample exists), plus `open`, which returns a source of samples by index.
 *
 * Samples are addressed by index and generated from (seed, split, index)
 * alone, which makes every batch reproducible and a resumed run identical to
 * an uninterrupted one without saving any data-loader state.
 */
import type { ParamSpecs, ParamValues } from '../params';
import type { ValueType } from '../types';
import type { NodeIO } from '../io';

export type Split = 'train' | 'val';

export interface OpenOptions {
  seed: number;
  split: Split;
  /** File access, for datasets that read the user's files; hosts without a file system (the editor) give none. */
  io?: NodeIO;
}

export interface FieldArray {
  data: Float32Array | Int32Array;
  /** Per-sample shape (no batch dimension). */
  shape: number[];
  dtype: 'float32' | 'int32';
}

export type Sample = Record<string, FieldArray>;

export interface DatasetSource {
  /** Number of distinct samples in this split; Infinity for generated data. */
  readonly size: number;
  sample(index: number): Sample;
  /** Human-readable class names, when the dataset has classes. */
  readonly classNames?: readonly string[];
}

export interface DatasetDefinition<S extends ParamSpecs = ParamSpecs> {
  type: string;
  title: string;
  doc: string;
  params: S;
  /** The fields every sample carries, with batch-symbolic shapes ('N' first). */
  fields(params: ParamValues<S>): Record<string, ValueType>;
  /** Throws a DatasetError naming the file or param when the data cannot be read. */
  open(params: ParamValues<S>, options: OpenOptions): DatasetSource;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyDatasetDefinition = DatasetDefinition<any>;

export class DatasetError extends Error {
  constructor(
    message: string,
    /** The file, folder or param the problem is about. */
    readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'DatasetError';
  }
}

export function defineDataset<const S extends ParamSpecs>(def: DatasetDefinition<S>): DatasetDefinition<S> {
  return def;
}

/** The file access a dataset that reads files needs, or a DatasetError saying where to train it. */
export function requireIO(io: NodeIO | undefined, dataset: string): NodeIO {
  if (!io) throw new DatasetError(`dataset '${dataset}' reads files, which this host cannot do; train from the app or the CLI`);
  return io;
}
