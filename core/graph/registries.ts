/**
 * The registries graph functions look node and dataset types up in. Every
 * function takes them as a parameter (tests pass small local ones); the
 * default is what the app ships.
 */
import type { AnyNodeDefinition } from '../node-api';
import type { AnyDatasetDefinition } from '../data/dataset-api';
import { nodeRegistry } from '../../nodes/registry';
import { datasetRegistry } from '../data/registry';

export interface GraphRegistries {
  nodes: Readonly<Record<string, AnyNodeDefinition>>;
  datasets: Readonly<Record<string, AnyDatasetDefinition>>;
}

export function defaultRegistries(): GraphRegistries {
  return { nodes: nodeRegistry, datasets: datasetRegistry };
}
