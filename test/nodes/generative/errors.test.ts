/**
 * Bad input to generative graphs, as a user meets it through the trainer:
 * a missing or empty dataset folder, a frozen-network file that does not
 * load, a discriminator wired to an image with the wrong channel count.
 * Each stops the run before training with a message naming the culprit.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select';
import type { GraphDocument } from '../../../core/graph/schema';
import type { TrainerEvent } from '../../../core/contract/messages';
import { buildPix2pix } from '../../../nodes/templates/pix2pix';
import { buildCyclegan } from '../../../nodes/templates/cyclegan';
import { buildPerceptual } from '../../../nodes/templates/perceptual';
import { tempDir, trainInProcess } from '../../core/train/helpers';

let out: string;

beforeAll(async () => {
  await selectBackend('wasm');
  out = await tempDir('tw-gen-errors-');
});

const tinyPix2pix = () => buildPix2pix({ imageSize: 16, depth: 4, ngf: 4, ndf: 4, nLayers: 1, batchSize: 2, steps: 2 });

function errorOf(events: TrainerEvent[]): Extract<TrainerEvent, { type: 'error' }> {
  const error = events.find((e) => e.type === 'error');
  expect(error, 'the run should fail').toBeDefined();
  expect(events.some((e) => e.type === 'progress' || e.type === 'metrics')).toBe(false);
  return error as Extract<TrainerEvent, { type: 'error' }>;
}

describe('dataset folders', () => {
  it('a missing pix2pix folder names the folder', async () => {
    // The folder's A images have 3 channels, so the template's label-map variant matches it.
    const base = buildPix2pix({ imageSize: 16, depth: 4, ngf: 4, ndf: 4, nLayers: 1, batchSize: 2, steps: 2, source: 'labels' });
    const graph: GraphDocument = { ...base, dataset: { type: 'folder.pix2pix', params: { path: path.join(out, 'no-such-folder'), imageSize: 16 } } };
    const error = errorOf(await trainInProcess(graph, { outDir: out, runName: 'missing', backend: 'wasm' }));
    expect(error.code).toBe('dataset');
    expect(error.message).toContain(path.join(out, 'no-such-folder'));
    expect(error.message).toMatch(/does not exist/);
  });

  it('an empty CycleGAN domain folder names that folder', async () => {
    const root = path.join(out, 'cyclegan');
    await fs.mkdir(path.join(root, 'trainA'), { recursive: true });
    await fs.mkdir(path.join(root, 'trainB'), { recursive: true });
    await fs.writeFile(path.join(root, 'trainB', 'notes.txt'), 'not an image');
    const base = buildCyclegan({ imageSize: 16, ngf: 4, blocks: 1, ndf: 4, nLayers: 1, steps: 2 });
    const graph: GraphDocument = { ...base, dataset: { type: 'folder.cyclegan', params: { path: root, imageSize: 16 } } };
    const error = errorOf(await trainInProcess(graph, { outDir: out, runName: 'empty', backend: 'wasm' }));
    expect(error.code).toBe('dataset');
    expect(error.message).toContain(path.join(root, 'trainA'));
    expect(error.message).toMatch(/holds no images/);
  });
});

describe('graph problems name the node', () => {
  it('a frozen feature network whose model file does not load', async () => {
    const graph = buildPerceptual({ imageSize: 16, ngf: 4, blocks: 1, lossWidth: 4, batchSize: 2, steps: 2 });
    const missing = path.join(out, 'vgg', 'model.json');
    for (const node of graph.nodes) if (node.type === 'features.frozen') Object.assign(node.params, { source: 'file', path: missing, layers: 'block1_conv2' });
    const error = errorOf(await trainInProcess(graph, { outDir: out, runName: 'no-model', backend: 'wasm' }));
    expect(error.code).toBe('invalid-graph');
    const problem = error.problems!.find((p) => p.nodeId === 'loss_net');
    expect(problem, JSON.stringify(error.problems)).toBeDefined();
    expect(problem!.message).toContain(missing);
    expect(problem!.param).toBe('path');
  });

  it('a discriminator wired to an image with the wrong channel count', async () => {
    const graph = tinyPix2pix();
    // Real images for D_real wired from the 1-channel sketch instead of the 3-channel target.
    const edge = graph.edges.find((e) => e.to.node === 'D_real' && e.to.port === 'input')!;
    edge.from = { node: 'data', port: 'A' };
    const error = errorOf(await trainInProcess(graph, { outDir: out, runName: 'channels', backend: 'wasm' }));
    expect(error.code).toBe('invalid-graph');
    const problem = error.problems!.find((p) => p.nodeId === 'D_real');
    expect(problem, JSON.stringify(error.problems)).toBeDefined();
    expect(problem!.port).toBe('input');
    expect(problem!.message).toMatch(/'D_real'.*built for 4 input channels but gets 1 \(condition\) \+ 1 \(input\) = 2/);
  });
});
