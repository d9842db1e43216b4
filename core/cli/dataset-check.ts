/**
 * What training checks about the dataset before its first step, for
 * `tensorweave validate`: opening the training and validation splits reads
 * the folders and annotation files, so a missing path or folder is an error
 * here rather than a surprise at `train`. (Graph validation alone cannot:
 * the editor validates on every edit and never touches the disk.)
 */
import { openDataset } from '../data/batch';
import { DatasetError } from '../data/dataset-api';
import type { Problem } from '../graph/problems';
import type { GraphDocument } from '../graph/schema';
import type { GraphRegistries } from '../graph/registries';

export function datasetOpenProblems(graph: GraphDocument, registries: GraphRegistries): Problem[] {
  for (const split of ['train', 'val'] as const) {
    try {
      openDataset(graph.dataset, { seed: graph.training.seed, split, io: registries.io }, registries.datasets);
    } catch (thrown) {
      if (!(thrown instanceof DatasetError)) throw thrown;
      const param = thrown.where !== undefined && Object.hasOwn(registries.datasets[graph.dataset.type]?.params ?? {}, thrown.where) ? thrown.where : undefined;
      return [
        {
          severity: 'error',
          code: 'dataset-cannot-open',
          message: `dataset '${graph.dataset.type}' cannot be opened for ${split === 'train' ? 'training' : 'validation'}, as train would find: ${thrown.message}`,
          path: param ? ['dataset', 'params', param] : ['dataset'],
          ...(param ? { param } : {}),
        },
      ];
    }
  }
  return [];
}
