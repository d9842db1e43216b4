import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select';
import type { TrainerEventOf } from '../../../core/contract/messages';
import { shapeClassifier } from '../../../nodes/templates/classifier';
import { tempDir, trainInProcess } from './helpers';

let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir('tw-preview-timing-');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('preview timing', () => {
  it('draws the first pictures at the first logged step, then at the preview interval and at the end', async () => {
    const graph = shapeClassifier.build();
    const events = await trainInProcess(
      { ...graph, training: { ...graph.training, steps: 12, batchSize: 2 } },
      { outDir: dir, runName: 'timing', logEvery: 3, previewEvery: 5, checkpointEvery: 0, evalEvery: 0, backend: 'wasm' },
    );
    const failure = events.find((e) => e.type === 'error');
    expect(failure, failure?.type === 'error' ? failure.message : '').toBeUndefined();
    const previews = events.filter((e): e is TrainerEventOf<'preview'> => e.type === 'preview');
    expect(previews.map((e) => e.step)).toEqual([3, 5, 10, 12]);
  });
});
