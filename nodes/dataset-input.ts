import { defineNode, ShapeError } from '../core/node-api';
import type { ValueType } from '../core/types';
import { noArithmetic } from './flops';

const FIELD_OUTPUTS = {
  image: { kind: 'image', doc: 'Input images N×H×W×C, float.' },
  semantic: { kind: 'labels', doc: 'Per-pixel class ids N×H×W (semantic segmentation targets).' },
  edges: { kind: 'image', doc: 'Edge or sketch maps N×H×W×C, e.g. the source side of an image-to-image pair.' },
  labels: { kind: 'vector', doc: 'Per-image labels, e.g. class ids or one-hot rows for classifiers and conditional GANs.' },
  count: { kind: 'vector', doc: 'Per-image counts, e.g. the number of objects.' },
  boxes: { kind: 'boxes', doc: 'Object boxes N×K×4 (x1, y1, x2, y2) in pixels, padded per image.' },
  classes: { kind: 'labels', doc: 'Class id of each box, N×K; padding entries are −1.' },
  masks: { kind: 'mask', doc: 'Instance masks, one channel per box.' },
  keypoints: { kind: 'keypoints', doc: 'Keypoints N×K×P×3 (x, y, visible) per instance.' },
  A: { kind: 'image', doc: 'Domain A images N×H×W×C of an image-translation dataset: pix2pix\'s condition side, CycleGAN\'s first domain.' },
  B: { kind: 'image', doc: 'Domain B images N×H×W×C: pix2pix\'s target side, CycleGAN\'s second domain (unpaired with A).' },
} as const;

type Field = keyof typeof FIELD_OUTPUTS;
const FIELDS = Object.keys(FIELD_OUTPUTS) as Field[];

export const datasetInput = defineNode({
  type: 'input.dataset',
  version: 1,
  category: 'io',
  title: 'Dataset',
  doc:
    'The current batch of the graph\'s dataset, one output per field the dataset provides (a field the dataset lacks, ' +
    'e.g. boxes for an image-pair dataset, has no value). The PyTorch equivalent is the batch a DataLoader yields. ' +
    'Every graph that trains starts here; shapes follow the dataset settings, with N the batch size.',
  readsDataset: true,
  inputs: {},
  outputs: FIELD_OUTPUTS,
  params: {},
  inferShape({ dataset }) {
    if (!dataset) {
      throw new ShapeError('the graph has no known dataset, so this node has nothing to output: choose a dataset in the graph settings');
    }
    const out: Partial<Record<Field, ValueType>> = {};
    for (const field of FIELDS) {
      const type = dataset.fields[field];
      if (type) out[field] = type;
    }
    return out;
  },
  // Reading the batch is no arithmetic.
  flops: noArithmetic,
  build: (ctx) => {
    const provided = FIELDS.filter((field) => ctx.outputs[field] !== undefined);
    return {
      forward: (_inputs, mode) => {
        const out: Partial<Record<Field, (typeof mode.batch)[string]>> = {};
        for (const field of provided) if (mode.batch[field]) out[field] = mode.batch[field];
        return out;
      },
    };
  },
  // data.py yields batches as dicts of tensors with images already N×C×H×W.
  pytorch: { forward: (a) => Object.fromEntries(Object.keys(a.outputs).filter((f) => a.outputs[f]).map((f) => [f, `batch[${JSON.stringify(f)}]`])) },
});
