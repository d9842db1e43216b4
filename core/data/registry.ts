/**
 * Every dataset type, keyed by its stable `type`.
 */
import type { AnyDatasetDefinition } from './dataset-api';
import { shapesDataset } from './shapes';

export const datasetRegistry = {
  shapes: shapesDataset,
} satisfies Record<string, AnyDatasetDefinition>;

export type DatasetRegistry = Readonly<Record<string, AnyDatasetDefinition>>;
