/**
 * Every dataset type, keyed by its stable `type`.
 */
import type { AnyDatasetDefinition } from './dataset-api';
import { shapesDataset } from './shapes';
import { pairedShapesDataset } from './paired';
import { unpairedShapesDataset } from './unpaired';
import { labelledShapesDataset } from './labelled';
import { cycleganFolderDataset, pix2pixFolderDataset } from './folders';
import { cocoDataset } from './coco';

export const datasetRegistry = {
  shapes: shapesDataset,
  'shapes.paired': pairedShapesDataset,
  'shapes.unpaired': unpairedShapesDataset,
  'shapes.labelled': labelledShapesDataset,
  'folder.pix2pix': pix2pixFolderDataset,
  'folder.cyclegan': cycleganFolderDataset,
  coco: cocoDataset,
} satisfies Record<string, AnyDatasetDefinition>;

export type DatasetRegistry = Readonly<Record<string, AnyDatasetDefinition>>;
