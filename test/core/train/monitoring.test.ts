/**
 * Loss nodes no optimizer minimises are monitored: computed every step
 * outside every gradient tape and logged with the others, without changing
 * what trains.
 */
import { describe, expect, it } from 'vitest';
import { library } from '../../library';
import { tf } from '../../../core/tf';
import { TrainingSession } from '../../../core/train/session';
import { makeBatch, openDataset, batchIndices } from '../../../core/data/batch';
import { datasetFieldsUsed } from '../../../core/train/trainer';
import { selectBackend } from '../../../core/backend/select';
import type { GraphDocument } from '../../../core/graph/schema';
import { withDefaults } from '../../../core/graph/lookup';
import { readEvents, tempDir, tinyRegressor, trainInProcess } from './helpers';

function withWatchers(graph: GraphDocument): GraphDocument {
  const g = structuredClone(graph);
  g.nodes.push(
    withDefaults({ id: 'mse_watch', type: 'loss.mse', typeVersion: 1, params: {} }, library),
    withDefaults({ id: 'l1_watch', type: 'loss.l1', typeVersion: 1, params: {} }, library),
  );
  for (const id of ['mse_watch', 'l1_watch']) {
    g.edges.push({ from: { node: 'conv2', port: 'output' }, to: { node: id, port: 'input' } }, { from: { node: 'data', port: 'image' }, to: { node: id, port: 'target' } });
  }
  return g;
}

function run(graph: GraphDocument, steps: number) {
  const session = TrainingSession.compile(graph, { registries: library });
  const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
  const fields = datasetFieldsUsed(graph, library);
  const results = [];
  for (let step = 0; step < steps; step++) {
    const batch = makeBatch(source, batchIndices(step, 2, source.size, 0), fields);
    results.push(session.step(batch, step));
    tf.dispose(Object.values(batch));
  }
  const weights = Object.fromEntries(session.program.weights.map((w) => [w.name, Array.from(w.variable.dataSync())]));
  const monitored = session.monitored;
  session.dispose();
  return { results, weights, monitored };
}

describe('monitored losses', () => {
  it('are computed and logged each step without changing what trains', async () => {
    await selectBackend('wasm');
    const plain = run(tinyRegressor(), 3);
    const watched = run(withWatchers(tinyRegressor()), 3);
    expect(watched.monitored).toEqual(['mse_watch', 'l1_watch']);
    expect(watched.weights).toEqual(plain.weights);
    for (const [k, result] of watched.results.entries()) {
      expect(result.losses.mse).toBe(plain.results[k].losses.mse);
      expect(result.totals).toEqual(plain.results[k].totals);
      expect(Number.isFinite(result.losses.l1_watch) && result.losses.l1_watch > 0).toBe(true);
      expect(Number.isFinite(result.losses.mse_watch)).toBe(true);
    }
  });

  it('see the same predictions as training when the weights do not move', async () => {
    await selectBackend('wasm');
    const still = withWatchers(tinyRegressor({ optimizer: 'sgd', lr: 1e-30 }));
    for (const result of run(still, 2).results) expect(result.losses.mse_watch).toBeCloseTo(result.losses.mse, 6);
  });

  it('reach events.jsonl through the trainer', async () => {
    const out = await tempDir('tw-monitor-');
    const events = await trainInProcess(withWatchers(tinyRegressor({ steps: 2 })), { outDir: out, runName: 'watch', backend: 'wasm' });
    expect(events.find((e) => e.type === 'error')).toBeUndefined();
    const logged = await readEvents(`${out}/watch`);
    expect(logged.map((e) => Object.keys(e.losses).sort())).toEqual([
      ['l1_watch', 'mse', 'mse_watch'],
      ['l1_watch', 'mse', 'mse_watch'],
    ]);
  });
});
