import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { renderStrip } from '../../../core/train/preview';
import { parseTrainerEvent, type TrainerEventOf } from '../../../core/contract/messages';
import { buildMaskRcnn } from '../../../nodes/templates/mask-rcnn';
import { tempDir, tinyRegressor, trainInProcess } from '../train/helpers';
import { TINY_MASK_RCNN } from '../../nodes/detection/tiny';

let dir: string;

beforeAll(async () => {
  await selectBackend('wasm');
  dir = await tempDir('tw-metrics-');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('previews of a detector', () => {
  it('render nothing, rather than fail, for an empty set of RoIs', () => {
    const empty = tf.zeros([0, 28, 28, 3]);
    expect(renderStrip(empty)).toBeUndefined();
    empty.dispose();
  });
});

describe('trainer metrics hook', () => {
  it('evaluates box and mask AP on the validation split every evalEvery steps and at the end, logged and emitted', async () => {
    const graph = buildMaskRcnn({ ...TINY_MASK_RCNN, steps: 5 });
    const events = await trainInProcess(graph, { outDir: dir, runName: 'mrcnn', evalEvery: 2, previewEvery: 2, checkpointEvery: 0, logEvery: 1, backend: 'wasm' });
    const failure = events.find((e) => e.type === 'error');
    expect(failure, failure?.type === 'error' ? failure.message : '').toBeUndefined();
    const metrics = events.filter((e): e is TrainerEventOf<'metrics'> => e.type === 'metrics');
    expect(metrics.map((e) => e.step)).toEqual([2, 4, 5]);
    for (const event of metrics) {
      expect(parseTrainerEvent(event).ok).toBe(true);
      expect(event.split).toBe('val');
      for (const key of ['bbox/AP', 'bbox/AP50', 'segm/AP', 'segm/AP50']) {
        expect(event.metrics[key], key).toBeGreaterThanOrEqual(0);
        expect(event.metrics[key], key).toBeLessThanOrEqual(1);
      }
    }
    // Previews show the final instances (an output nothing consumes) next to the image.
    const previews = events.filter((e): e is TrainerEventOf<'preview'> => e.type === 'preview');
    expect(previews.length).toBeGreaterThan(0);
    const panels = previews[0].images.map((i) => `${i.nodeId}.${i.port}`);
    expect(panels).toEqual(expect.arrayContaining(['data.image', 'instances.instances']));
    expect(panels).not.toContain('data.boxes');
    const lines = (await fs.readFile(path.join(dir, 'mrcnn', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.step)).toEqual([2, 4, 5]);
    expect(lines[2].metrics).toEqual(metrics[2].metrics);
    const run = JSON.parse(await fs.readFile(path.join(dir, 'mrcnn', 'run.json'), 'utf8'));
    expect(run.settings.evalEvery).toBe(2);
  });

  it('emits no metrics for a graph without an evaluable node, and none with evalEvery 0', async () => {
    const plain = await trainInProcess(tinyRegressor({ steps: 2 }), { outDir: dir, runName: 'plain', backend: 'wasm' });
    expect(plain.some((e) => e.type === 'metrics')).toBe(false);
    expect(plain.some((e) => e.type === 'done')).toBe(true);
    const off = await trainInProcess(buildMaskRcnn({ ...TINY_MASK_RCNN, steps: 1 }), { outDir: dir, runName: 'off', evalEvery: 0, previewEvery: 0, backend: 'wasm' });
    expect(off.some((e) => e.type === 'done')).toBe(true);
    expect(off.some((e) => e.type === 'metrics')).toBe(false);
  });
});
