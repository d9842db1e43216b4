/**
 * The frozen feature network: its builtin random VGG, a TensorFlow.js
 * layers model saved to disk by the test itself, and a module borrowed from
 * a checkpoint — outputs, frozenness, gradients to the image, and errors
 * that name the node and the file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import type { AnyNodeDefinition } from '../../../core/node-api';
import type { ValueType } from '../../../core/types';
import { GraphBuilder } from '../../../core/graph/builder';
import { CompileError } from '../../../core/compile/compiler';
import { StepExecutor } from '../../../core/compile/executor';
import { TrainingSession } from '../../../core/train/session';
import { saveCheckpoint } from '../../../core/train/checkpoint';
import { nodeRegistry } from '../../../nodes/registry';
import { saveLayersModel } from './save-layers-model';
import { buildNode, expectClose } from '../harness';
import { tempDir } from '../../core/train/helpers';
import { library } from '../../library';

const frozen = (nodeRegistry as Record<string, AnyNodeDefinition>)['features.frozen'];
const img = (h: number, w: number, c: number): ValueType => ({ kind: 'image', shape: ['N', h, w, c] });
const random = (shape: number[], seed: number) => tf.tensor(new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, 1), shape);

let dir: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await tempDir('tw-features-');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** A feature graph: the frozen node on the dataset image, plus a trainable conv so the optimizer has something. */
function graphWith(params: Record<string, unknown>, imageSize = 16) {
  const g = new GraphBuilder({ name: 'features' }, library);
  g.dataset('shapes', { imageSize, valueRange: '-1..1' });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.image' }, { outChannels: 3, kernelSize: 3, padding: 1 }, 'T');
  g.op('features.frozen', { input: 'T.output' }, params, 'loss_net');
  g.op('features.frozen', { input: 'data.image' }, params, 'loss_net_content');
  g.shareWeights('loss_net_content', 'loss_net');
  g.op('loss.perceptual', { input: 'loss_net.features', content: 'loss_net_content.features' }, { contentLayers: params.layers as string, styleLayers: '', contentWeight: 1 }, 'perceptual');
  g.module('T', 'Transform', ['T']);
  g.optimizer({ type: 'adam', id: 'adam', modules: ['T'], losses: [{ node: 'perceptual', weight: 1 }], lr: 1e-2 });
  g.training({ steps: 2, batchSize: 2 });
  return g.build();
}

describe('builtin source', () => {
  it('exposes VGG-named layers, never trains its weights, and passes gradients to the image', () => {
    const graph = graphWith({ source: 'builtin', width: 4, layers: 'relu1_2,relu2_2' });
    const session = TrainingSession.compile(graph, { registries: library });
    const lossNet = session.program.nodes.get('loss_net')!;
    expect(lossNet.outputTypes.features.levels).toEqual({ relu1_2: ['N', 16, 16, 4], relu2_2: ['N', 8, 8, 8] });
    expect(lossNet.weights.length).toBeGreaterThan(0);
    expect(lossNet.weights.every((w) => !w.trainable)).toBe(true);
    // Shared, not duplicated: the content branch borrows the same variables.
    expect(session.program.nodes.get('loss_net_content')!.weights.map((w) => w.variable)).toEqual(lossNet.weights.map((w) => w.variable));
    expect(session.optimizers[0].variables.every((v) => !lossNet.weights.some((w) => w.variable === v))).toBe(true);
    const before = lossNet.weights.map((w) => Array.from(w.variable.dataSync()));
    const transformBefore = Array.from(session.program.nodes.get('T')!.weights[0].variable.dataSync());
    const batch = { image: random([2, 16, 16, 3], 1) };
    session.step(batch, 0);
    session.step(batch, 1);
    expect(lossNet.weights.map((w) => Array.from(w.variable.dataSync()))).toEqual(before);
    expect(Array.from(session.program.nodes.get('T')!.weights[0].variable.dataSync())).not.toEqual(transformBefore);
    tf.dispose(Object.values(batch));
    session.dispose();
  });

  it('names the layers it has when asked for another', () => {
    expect(() => frozen.inferShape({ inputs: { input: img(16, 16, 3) }, params: { ...defaults(), layers: 'conv9' } })).toThrow(/there is no layer 'conv9'; available: relu1_1, relu1_2, pool1/);
    expect(() => frozen.inferShape({ inputs: { input: img(8, 8, 3) }, params: { ...defaults(), layers: 'relu5_1' } })).toThrow(/no pixels left/);
  });
});

function defaults(): Record<string, unknown> {
  return Object.fromEntries(Object.entries(frozen.params as Record<string, { default: unknown }>).map(([k, spec]) => [k, spec.default]));
}

describe('file source (TensorFlow.js layers model on disk)', () => {
  async function savedSequential(): Promise<{ file: string; model: tfl.Sequential }> {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [null, null, 3] as unknown as number[], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', name: 'block1_conv1' }),
        tfl.layers.maxPooling2d({ poolSize: 2, name: 'block1_pool' }),
        tfl.layers.conv2d({ filters: 5, kernelSize: 3, padding: 'valid', name: 'block2_conv1' }),
        tfl.layers.batchNormalization({ name: 'block2_bn' }),
        tfl.layers.activation({ activation: 'relu', name: 'block2_relu' }),
      ],
    });
    // Non-trivial batch-norm statistics, so loading them is checked too.
    const bn = model.getLayer('block2_bn');
    bn.setWeights(bn.getWeights().map((w, i) => tf.add(tf.mul(tf.randomUniform(w.shape, 0, 1, 'float32', i), 0.5), 0.75)));
    const file = await saveLayersModel(model, path.join(dir, 'sequential'));
    return { file, model };
  }

  it('loads the saved model synchronously and gives its layers\' outputs, with gradients to the image', async () => {
    const { file, model } = await savedSequential();
    const text = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(JSON.stringify(text.modelTopology)).toContain('"class_name"'); // Keras's snake_case format on disk
    const node = buildNode(frozen, { input: img(12, 12, 3) }, { source: 'file', path: file, layers: 'block1_conv1,block2_relu' });
    expect(node.outputTypes.features?.levels).toEqual({ block1_conv1: ['N', 12, 12, 4], block2_relu: ['N', 4, 4, 5] });
    expect(node.weights.size).toBe(0);
    const x = random([2, 12, 12, 3], 2);
    const reference = tfl.model({ inputs: model.inputs, outputs: [model.getLayer('block1_conv1').output, model.getLayer('block2_relu').output] as tfl.SymbolicTensor[] });
    const [expectedA, expectedB] = reference.predict(x) as tf.Tensor[];
    tf.tidy(() => {
      const features = node.run({ input: x }, { training: true }).features as Record<string, tf.Tensor>;
      expectClose(features.block1_conv1.dataSync(), expectedA.dataSync(), 1e-5);
      expectClose(features.block2_relu.dataSync(), expectedB.dataSync(), 1e-5);
      const grad = tf.grad((input: tf.Tensor) => tf.sum((node.run({ input }).features as Record<string, tf.Tensor>).block2_relu))(x);
      expect(grad.shape).toEqual([2, 12, 12, 3]);
      expect(Array.from(grad.dataSync()).some((v) => v !== 0)).toBe(true);
    });
    tf.dispose([x, expectedA, expectedB]);
    node.dispose();
    model.dispose();
  });

  it('reads functional models too (a branch and a merge)', async () => {
    const input = tfl.input({ shape: [8, 8, 2], name: 'image' });
    const a = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: 'left' }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', name: 'right' }).apply(input) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'merge' }).apply([a, b]) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: sum });
    const file = await saveLayersModel(model, path.join(dir, 'functional'));
    const node = buildNode(frozen, { input: img(8, 8, 2) }, { source: 'file', path: file, layers: 'merge', scale: 2, offset: 0.5 });
    expect(node.outputTypes.features?.levels).toEqual({ merge: ['N', 8, 8, 3] });
    const x = random([1, 8, 8, 2], 3);
    const expected = tf.tidy(() => (model.predict(tf.add(tf.mul(x, 2), 0.5)) as tf.Tensor).dataSync());
    const actual = tf.tidy(() => ((node.run({ input: x }).features as Record<string, tf.Tensor>).merge).dataSync());
    expectClose(actual, expected, 1e-5);
    expect(() => frozen.inferShape({ inputs: { input: img(16, 16, 2) }, params: { ...defaults(), source: 'file', path: file, layers: 'merge' }, registries: library })).toThrow(
      /takes 8×8 images but the input is 16×16/,
    );
    expect(() => frozen.inferShape({ inputs: { input: img(8, 8, 3) }, params: { ...defaults(), source: 'file', path: file, layers: 'merge' }, registries: library })).toThrow(
      /takes 2-channel images but the input has 3 channels/,
    );
    x.dispose();
    node.dispose();
    model.dispose();
  });

  it('a file that does not load is a compile error naming the node and the file', async () => {
    const missing = path.join(dir, 'nowhere', 'model.json');
    let error: unknown;
    try {
      TrainingSession.compile(graphWith({ source: 'file', path: missing, layers: 'x' }), { registries: library });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    const message = (error as Error).message;
    expect(message).toContain("'loss_net'");
    expect(message).toContain(missing);

    const broken = path.join(dir, 'broken');
    await fs.mkdir(broken, { recursive: true });
    await fs.writeFile(path.join(broken, 'model.json'), '{"modelTopology": ');
    expect(() => frozen.inferShape({ inputs: { input: img(8, 8, 3) }, params: { ...defaults(), source: 'file', path: path.join(broken, 'model.json') }, registries: library })).toThrow(
      /cannot read model file '.*broken\/model.json'/,
    );
    // Weights missing: the shape rule (topology only) passes, building names the node and the missing shard.
    const { file } = await savedSequential();
    const noWeights = path.join(dir, 'no-weights');
    await fs.mkdir(noWeights, { recursive: true });
    await fs.copyFile(file, path.join(noWeights, 'model.json'));
    expect(() => buildNode(frozen, { input: img(12, 12, 3) }, { source: 'file', path: path.join(noWeights, 'model.json'), layers: 'block1_pool' })).toThrow(
      /frozen feature network 'node': cannot read weight file '.*no-weights\/weights.bin'/,
    );
  });
});

describe('without file access (the editor)', () => {
  it('types the chosen layers as feature maps of unknown size, and building says the host must read the files', () => {
    const editor = { nodes: library.nodes, datasets: library.datasets };
    for (const source of ['file', 'checkpoint']) {
      const params = { ...defaults(), source, path: path.join(dir, 'not-read', 'model.json'), layers: 'a,b' };
      expect(frozen.inferShape({ inputs: { input: img(16, 16, 3) }, params, registries: editor })).toEqual({
        features: { kind: 'pyramid', levels: { a: ['N', 'H', 'W', 'C'], b: ['N', 'H', 'W', 'C'] } },
      });
      expect(() => frozen.inferShape({ inputs: { input: img(16, 16, 3) }, params: { ...params, path: '' }, registries: editor })).toThrow(/needs path/);
      expect(() => buildNode(frozen, { input: img(16, 16, 3) }, params, { registries: editor })).toThrow(
        new RegExp(`frozen feature network 'node': source '${source}' reads files, which this host cannot do`),
      );
    }
  });
});

describe('checkpoint source', () => {
  it("runs a module of an earlier run's checkpoint, frozen, with its trained weights and running statistics", async () => {
    const g = new GraphBuilder({ name: 'encoder' }, library);
    g.dataset('shapes', { imageSize: 16, valueRange: '-1..1' });
    g.add('input.dataset', {}, 'data');
    g.op('conv2d', { input: 'data.image' }, { outChannels: 4, kernelSize: 3, padding: 1 }, 'E_conv');
    g.op('batchnorm2d', { input: 'E_conv.output' }, {}, 'E_bn');
    g.op('relu', { input: 'E_bn.output' }, {}, 'E_relu');
    g.op('conv2d', { input: 'E_relu.output' }, { outChannels: 3, kernelSize: 3, padding: 1 }, 'head');
    g.op('loss.mse', { input: 'head.output', target: 'data.image' }, {}, 'mse');
    g.module('E', 'Encoder', ['E_conv', 'E_bn', 'E_relu']);
    g.optimizer({ type: 'adam', id: 'adam', modules: ['E', 'main'], losses: [{ node: 'mse', weight: 1 }], lr: 1e-2 });
    const session = TrainingSession.compile(g.build(), { registries: library });
    const batch = { image: random([2, 16, 16, 3], 4) };
    for (let step = 0; step < 3; step++) session.step(batch, step);
    const runDir = path.join(dir, 'run');
    await saveCheckpoint(path.join(runDir, 'checkpoints'), 3, session.program, session.optimizers.map((o) => o.optimizer));

    const x = random([2, 16, 16, 3], 6);
    const executor = new StepExecutor(session.program, { training: false, step: 0, seed: 0, batch: { image: x } });
    const expected = (executor.evaluate(['E_relu']).get('E_relu')!.output as tf.Tensor).dataSync().slice();
    executor.dispose();

    const node = buildNode(frozen, { input: img(16, 16, 3) }, { source: 'checkpoint', path: runDir, layers: 'E_bn,E_relu' });
    expect(node.outputTypes.features?.levels).toEqual({ E_bn: ['N', 16, 16, 4], E_relu: ['N', 16, 16, 4] });
    expect([...node.weights.keys()].sort()).toEqual(['E_bn/beta', 'E_bn/gamma', 'E_bn/runningMean', 'E_bn/runningVar', 'E_conv/bias', 'E_conv/kernel']);
    expect([...node.weights.values()].every((w) => !w.trainable)).toBe(true);
    const actual = tf.tidy(() => ((node.run({ input: x }, { training: true }).features as Record<string, tf.Tensor>).E_relu).dataSync());
    expectClose(actual, expected, 1e-6);

    expect(() => frozen.inferShape({ inputs: { input: img(16, 16, 3) }, params: { ...defaults(), source: 'checkpoint', path: runDir, layers: 'head' }, registries: library })).toThrow(
      /no module of checkpoint .* holds all of 'head'; set module \(modules: 'E'\)/,
    );
    expect(() => frozen.inferShape({ inputs: { input: img(16, 16, 3) }, params: { ...defaults(), source: 'checkpoint', path: path.join(dir, 'empty-run'), layers: 'E_bn' }, registries: library })).toThrow(
      /cannot read checkpoint/,
    );
    node.dispose();
    tf.dispose([x, ...Object.values(batch)]);
    session.dispose();
  });
});
