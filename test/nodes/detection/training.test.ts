/**
 * A tiny Mask R-CNN trains: its RPN and mask losses fall, and the number of
 * live tensors stays constant from step to step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { TrainingSession } from '../../../core/train/session';
import { batchIndices, makeBatch, openDataset } from '../../../core/data/batch';
import { datasetFieldsUsed } from '../../../core/train/trainer';
import { buildMaskRcnn } from '../../../nodes/templates/mask-rcnn';
import { findTemplate } from '../../../nodes/templates';
import { validateGraph } from '../../../core/graph/validate';
import { TINY_MASK_RCNN } from './tiny';
import { library } from '../../library';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('Mask R-CNN training', () => {
  it('RPN and mask losses fall on a tiny configuration, with no tensor growth across steps', () => {
    const steps = 250;
    const graph = buildMaskRcnn({ ...TINY_MASK_RCNN, steps });
    const session = TrainingSession.compile(graph, { registries: library });
    const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
    const fields = datasetFieldsUsed(graph, library);
    const history: Record<string, number>[] = [];
    const tensors: number[] = [];
    for (let step = 0; step < steps; step++) {
      const batch = makeBatch(source, batchIndices(step, graph.training.batchSize, source.size, 0), fields);
      history.push(session.step(batch, step).losses);
      tf.dispose(Object.values(batch));
      tensors.push(tf.memory().numTensors);
    }
    session.dispose();
    const window = 25;
    // The box loss is left out: it rises at first, as better proposals bring more (harder) foreground RoIs.
    for (const loss of ['rpn_loss', 'mask_loss']) {
      const first = mean(history.slice(0, window).map((h) => h[loss]));
      const last = mean(history.slice(-window).map((h) => h[loss]));
      expect(last, `${loss}: first ${window} steps ${first.toFixed(3)}, last ${last.toFixed(3)}`).toBeLessThan(0.8 * first);
    }
    // After the optimizer has created its slots on step 1, nothing accumulates.
    expect(new Set(tensors.slice(1)).size, `tensor counts ${[...new Set(tensors)].join(', ')}`).toBe(1);
  });

  it('the template validates without problems', () => {
    const graph = findTemplate('mask-rcnn')!.build();
    expect(validateGraph(graph, library)).toEqual([]);
    expect(graph.description).toMatch(/mask AP50/);
  });
});
