/**
 * Every dataset type, keyed by its stable `type`.
 */
import type { AnyDatasetDefinition } from './dataset-api';

export const datasetRegistry = {} satisfies Record<string, AnyDatasetDefinition>;

export type DatasetRegistry = Readonly<Record<string, AnyDatasetDefinition>>;
