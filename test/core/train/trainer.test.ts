import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { TrainingSession } from '../../../core/train/session';
import { makeBatch, openDataset, batchIndices } from '../../../core/data/batch';
import { datasetFieldsUsed } from '../../../core/train/trainer';
import { selectBackend } from '../../../core/backend/select';
import { readEvents, tempDir, tinyGan, tinyRegressor, trainInProcess } from './helpers';
import { library } from '../../library';

async function weightsFile(runDir: string): Promise<Buffer> {
  const checkpoints = path.join(runDir, 'checkpoints');
  const names = (await fs.readdir(checkpoints)).sort();
  return fs.readFile(path.join(checkpoints, names[names.length - 1], 'weights.bin'));
}

describe('trainer runs', () => {
  it('writes a run folder: events.jsonl, run.json, a checkpoint with the graph', async () => {
    const out = await tempDir();
    const events = await trainInProcess(tinyRegressor({ steps: 6 }), { outDir: out, runName: 'first', backend: 'wasm' });
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('backend');
    expect(types).toContain('started');
    expect(types.at(-1)).toBe('done');
    const backend = events.find((e) => e.type === 'backend');
    expect(backend).toMatchObject({ name: 'wasm' });
    expect((backend as { reason: string }).reason.length).toBeGreaterThan(10);

    const runDir = path.join(out, 'first');
    const logged = await readEvents(runDir);
    expect(logged.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const line of logged) {
      expect(Object.keys(line).sort()).toEqual(['losses', 'lr', 'step', 'stepsPerSec', 'time', 'totals']);
      expect(Number.isFinite(line.losses.mse)).toBe(true);
    }
    const record = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ status: 'completed', step: 6, seed: 0, backend: 'wasm' });
    expect(record.graphHash).toMatch(/^[0-9a-f]{8,}$/);
    const checkpoint = path.join(runDir, record.latestCheckpoint);
    const files = (await fs.readdir(checkpoint)).sort();
    expect(files).toEqual(['graph.json', 'manifest.json', 'weights.bin']);
  });

  it('is deterministic for a seed and backend, and the seed matters', async () => {
    const out = await tempDir();
    await trainInProcess(tinyRegressor({ steps: 5 }), { outDir: out, runName: 'a', backend: 'wasm', seed: 3 });
    await trainInProcess(tinyRegressor({ steps: 5 }), { outDir: out, runName: 'b', backend: 'wasm', seed: 3 });
    await trainInProcess(tinyRegressor({ steps: 5 }), { outDir: out, runName: 'c', backend: 'wasm', seed: 4 });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((n) => readEvents(path.join(out, n))));
    expect(a.map((e) => e.losses)).toEqual(b.map((e) => e.losses));
    expect(a.map((e) => e.losses)).not.toEqual(c.map((e) => e.losses));
    expect((await weightsFile(path.join(out, 'a'))).equals(await weightsFile(path.join(out, 'b')))).toBe(true);
  });

  it('resumes from a checkpoint with results identical to an uninterrupted run', async () => {
    const out = await tempDir();
    const graph = tinyRegressor({ steps: 8, optimizer: 'sgd' });
    await trainInProcess(graph, { outDir: out, runName: 'straight', backend: 'wasm' });
    // Interrupted: stops after 4 steps (its final checkpoint), then resumes to 8.
    await trainInProcess(graph, { outDir: out, runName: 'interrupted', backend: 'wasm', steps: 4 });
    const resumed = await trainInProcess(undefined, { outDir: out, backend: 'wasm', resume: path.join(out, 'interrupted'), steps: 8 });
    expect(resumed.find((e) => e.type === 'started')).toMatchObject({ startStep: 4, totalSteps: 8 });

    const straight = await readEvents(path.join(out, 'straight'));
    const interrupted = await readEvents(path.join(out, 'interrupted'));
    expect(interrupted.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(interrupted.map((e) => e.losses)).toEqual(straight.map((e) => e.losses));
    expect((await weightsFile(path.join(out, 'interrupted'))).equals(await weightsFile(path.join(out, 'straight')))).toBe(true);
  });

  it('stops on a non-finite loss, naming the loss and the first non-finite node, and keeps the run', async () => {
    const out = await tempDir();
    const events = await trainInProcess(tinyRegressor({ steps: 50, lr: 1e12, optimizer: 'sgd' }), { outDir: out, runName: 'nan', backend: 'wasm' });
    const error = events.find((e) => e.type === 'error');
    expect(error).toMatchObject({ code: 'non-finite', lossNode: 'mse' });
    const nodeId = (error as { nodeId?: string }).nodeId;
    expect(['conv1', 'bn1', 'act1', 'drop1', 'conv2', 'mse']).toContain(nodeId);
    expect((error as { message: string }).message).toContain(`'${nodeId}'`);
    const record = JSON.parse(await fs.readFile(path.join(out, 'nan', 'run.json'), 'utf8'));
    expect(record.status).toBe('failed');
    const logged = await readEvents(path.join(out, 'nan'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.every((e) => Number.isFinite(e.losses.mse))).toBe(true);
  });

  it('reports an invalid graph with all its problems and starts nothing', async () => {
    const out = await tempDir();
    const broken = tinyRegressor();
    broken.edges.push({ from: { node: 'conv2', port: 'output' }, to: { node: 'nowhere', port: 'input' } });
    (broken.nodes[1].params as Record<string, unknown>).outChannels = -3;
    const events = await trainInProcess(broken, { outDir: out, backend: 'wasm' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', code: 'invalid-graph' });
    const problems = (events[0] as { problems: { nodeId?: string; param?: string }[] }).problems;
    expect(problems.length).toBeGreaterThanOrEqual(2);
    expect(problems.some((p) => p.param === 'outChannels')).toBe(true);
    expect(await fs.readdir(out)).toEqual([]);
  });
});

describe('training session', () => {
  it('keeps the number of tensors constant over 100 steps', async () => {
    await selectBackend('wasm');
    const graph = tinyRegressor();
    const session = TrainingSession.compile(graph, { registries: library });
    const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
    const fields = datasetFieldsUsed(graph, library);
    const run = (step: number) => {
      const batch = makeBatch(source, batchIndices(step, 2, source.size, 0), fields);
      session.step(batch, step);
      tf.dispose(Object.values(batch));
    };
    run(0);
    run(1);
    const before = tf.memory().numTensors;
    for (let step = 2; step < 102; step++) run(step);
    expect(tf.memory().numTensors).toBe(before);
    session.dispose();
  });

  it("steps each optimizer over its own modules only: D's step leaves G unchanged and G's step leaves D unchanged", async () => {
    await selectBackend('wasm');
    const base = tinyGan();
    const snapshot = (session: TrainingSession) =>
      Object.fromEntries(session.program.weights.map((w) => [w.name, Array.from(w.variable.dataSync())]));
    const changed = (a: Record<string, number[]>, b: Record<string, number[]>) =>
      Object.keys(a).filter((k) => a[k].some((v, i) => v !== b[k][i]));

    for (const [only, moving, still] of [
      ['opt_D', 'D_fake/', 'G_conv/'],
      ['opt_G', 'G_conv/', 'D_fake/'],
    ] as const) {
      const graph = structuredClone(base);
      graph.training.optimizers = graph.training.optimizers.filter((o) => o.id === only);
      const session = TrainingSession.compile(graph, { registries: library });
      const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
      const batch = makeBatch(source, [0, 1], datasetFieldsUsed(graph, library));
      const before = snapshot(session);
      session.step(batch, 0);
      const moved = changed(before, snapshot(session));
      expect(moved.some((k) => k.startsWith(moving))).toBe(true);
      expect(moved.filter((k) => k.startsWith(still))).toEqual([]);
      tf.dispose(Object.values(batch));
      session.dispose();
    }
  });

  it("reuses each step's values like the references: D after G sees G's fakes from before G's update", async () => {
    await selectBackend('wasm');
    const runsPerStep = (order: string[]) => {
      const graph = tinyGan();
      graph.training.optimizers.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      const session = TrainingSession.compile(graph, { registries: library });
      const generator = session.program.nodes.get('G_conv')!;
      let runs = 0;
      const forward = generator.runtime.forward.bind(generator.runtime);
      generator.runtime.forward = (inputs, mode) => {
        runs++;
        return forward(inputs, mode);
      };
      const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
      const batch = makeBatch(source, [0, 1], datasetFieldsUsed(graph, library));
      session.step(batch, 0);
      tf.dispose(Object.values(batch));
      session.dispose();
      return runs;
    };
    // pix2pix order: D first sees G's output detached; G's step recomputes it on its own tape.
    expect(runsPerStep(['opt_D', 'opt_G'])).toBe(2);
    // CycleGAN order: G steps first; D then takes the fakes G produced this step instead of re-running G.
    expect(runsPerStep(['opt_G', 'opt_D'])).toBe(1);
  });

  it('shares weights between nodes: D applied to real and fake is one set of weights', async () => {
    await selectBackend('wasm');
    const session = TrainingSession.compile(tinyGan(), { registries: library });
    const names = session.program.weights.map((w) => w.name);
    expect(names).toContain('D_fake/kernel');
    expect(names.some((n) => n.startsWith('D_real/'))).toBe(false);
    const realNode = session.program.nodes.get('D_real')!;
    const fakeNode = session.program.nodes.get('D_fake')!;
    expect(realNode.weights.map((w) => w.variable)).toEqual(fakeNode.weights.map((w) => w.variable));
    session.dispose();
  });
});
