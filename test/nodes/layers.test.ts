/**
 * Node-level behaviour that the op tests do not cover: initialisation,
 * running statistics through the node, modes, constant loss targets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../core/tf';
import { Rng } from '../../core/rng';
import type { AnyNodeDefinition } from '../../core/node-api';
import type { ValueType } from '../../core/types';
import { nodeRegistry } from '../../nodes/registry';
import { dropoutMask } from '../../nodes/dropout';
import { buildNode, expectClose } from './harness';

const registry = nodeRegistry as Record<string, AnyNodeDefinition>;
const img = (h: number, w: number, c: number): ValueType => ({ kind: 'image', shape: ['N', h, w, c] });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function weightBound(variable: tf.Variable): number {
  return tf.max(tf.abs(variable)).dataSync()[0];
}

describe('initialisation', () => {
  it('conv2d draws kernel and bias from U(±1/√(inC·k²)), as PyTorch', () => {
    const node = buildNode(registry.conv2d, { input: img(8, 8, 16) }, { outChannels: 32, kernelSize: 3 });
    const bound = 1 / Math.sqrt(16 * 9);
    const kernel = node.weights.get('kernel')!.variable;
    expect(kernel.shape).toEqual([3, 3, 16, 32]);
    expect(weightBound(kernel)).toBeLessThanOrEqual(bound);
    expect(weightBound(kernel)).toBeGreaterThan(0.9 * bound);
    expect(weightBound(node.weights.get('bias')!.variable)).toBeLessThanOrEqual(bound);
    node.dispose();
  });

  it('conv_transpose2d takes fan-in from its output channels (PyTorch weight.size(1)·k²)', () => {
    const node = buildNode(registry.conv_transpose2d, { input: img(4, 4, 64) }, { outChannels: 4, kernelSize: 4 });
    const kernel = node.weights.get('kernel')!.variable;
    expect(kernel.shape).toEqual([4, 4, 4, 64]);
    const bound = 1 / Math.sqrt(4 * 16);
    expect(weightBound(kernel)).toBeLessThanOrEqual(bound);
    expect(weightBound(kernel)).toBeGreaterThan(0.9 * bound);
    node.dispose();
  });

  it('batchnorm2d starts at γ=1, β=0, running mean 0 and variance 1, the running ones not trainable', () => {
    const node = buildNode(registry.batchnorm2d, { input: img(2, 2, 3) });
    expect(Array.from(node.weights.get('gamma')!.variable.dataSync())).toEqual([1, 1, 1]);
    expect(Array.from(node.weights.get('beta')!.variable.dataSync())).toEqual([0, 0, 0]);
    expect(node.weights.get('runningMean')).toMatchObject({ trainable: false });
    expect(Array.from(node.weights.get('runningVar')!.variable.dataSync())).toEqual([1, 1, 1]);
    node.dispose();
  });
});

describe('batchnorm2d node', () => {
  it('updates running statistics only when the step asks it to, and uses them in evaluation', () => {
    const node = buildNode(registry.batchnorm2d, { input: img(2, 2, 1) }, { momentum: 0.5 });
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2, 1]);
    const mean = node.weights.get('runningMean')!.variable;
    const variance = node.weights.get('runningVar')!.variable;
    tf.tidy(() => node.run({ input: x }, { training: true, updateStats: false }));
    expect(mean.dataSync()[0]).toBe(0);
    tf.tidy(() => node.run({ input: x }, { training: true, updateStats: true }));
    // Batch mean 4.5, unbiased variance 6 (biased 5.25); momentum 0.5 from (0, 1).
    expectClose(mean.dataSync(), [2.25], 1e-6);
    expectClose(variance.dataSync(), [3.5], 1e-6);
    const y = tf.tidy(() => (node.run({ input: x }, { training: false }).output as tf.Tensor).dataSync());
    expectClose(y, [1, 2, 3, 4, 5, 6, 7, 8].map((v) => (v - 2.25) / Math.sqrt(3.5 + 1e-5)), 1e-5);
    node.dispose();
  });
});

describe('activations', () => {
  it('leaky_relu multiplies negatives by the slope (default 0.2, the pix2pix value)', () => {
    const node = buildNode(registry.leaky_relu, { input: { kind: 'vector', shape: ['N', 4] } });
    const y = node.run({ input: tf.tensor2d([[-2, -0.5, 0, 3]]) }).output as tf.Tensor;
    expectClose(y.dataSync(), [-0.4, -0.1, 0, 3], 1e-7);
    const custom = buildNode(registry.leaky_relu, { input: { kind: 'vector', shape: ['N', 1] } }, { negativeSlope: 0.01 });
    expectClose((custom.run({ input: tf.tensor2d([[-3]]) }).output as tf.Tensor).dataSync(), [-0.03], 1e-7);
  });

  it('hands on the input kind, so a vector stays a vector', () => {
    const out = registry.relu.inferShape({ inputs: { input: { kind: 'vector', shape: ['N', 4] } }, params: {} });
    expect(out.output).toEqual({ kind: 'vector', shape: ['N', 4] });
  });
});

describe('dropout', () => {
  const type = img(8, 8, 4);
  const x = tf.ones([2, 8, 8, 4]);

  it('zeroes about p of the values, scales the rest by 1/(1−p), and repeats with the same generator', () => {
    const node = buildNode(registry.dropout, { input: type }, { p: 0.25 });
    const first = (node.run({ input: x }, { rng: new Rng(3) }).output as tf.Tensor).dataSync();
    const again = (node.run({ input: x }, { rng: new Rng(3) }).output as tf.Tensor).dataSync();
    const other = (node.run({ input: x }, { rng: new Rng(4) }).output as tf.Tensor).dataSync();
    expect(Array.from(again)).toEqual(Array.from(first));
    expect(Array.from(other)).not.toEqual(Array.from(first));
    const zeros = Array.from(first).filter((v) => v === 0).length;
    expect(zeros / first.length).toBeGreaterThan(0.18);
    expect(zeros / first.length).toBeLessThan(0.32);
    for (const v of first) if (v !== 0) expect(v).toBeCloseTo(1 / 0.75, 6);
  });

  it('is the identity in evaluation and drops everything at p = 1', () => {
    const node = buildNode(registry.dropout, { input: type });
    expect(node.run({ input: x }, { training: false }).output).toBe(x);
    expect(Array.from(dropoutMask(5, 1, new Rng(0)))).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('losses', () => {
  it('use the constant target when the target port is unwired (GAN labels)', () => {
    const logits = tf.tensor4d([0.3, -1.2, 2, 0], [1, 2, 2, 1]);
    const real = buildNode(registry['loss.bce_logits'], { input: img(2, 2, 1) }, { target: 1 });
    const fake = buildNode(registry['loss.bce_logits'], { input: img(2, 2, 1) }, { target: 0 });
    const sp = (v: number) => Math.log1p(Math.exp(v));
    const xs = [0.3, -1.2, 2, 0];
    expect((real.run({ input: logits }).loss as tf.Tensor).dataSync()[0]).toBeCloseTo(xs.reduce((s, v) => s + sp(-v), 0) / 4, 5);
    expect((fake.run({ input: logits }).loss as tf.Tensor).dataSync()[0]).toBeCloseTo(xs.reduce((s, v) => s + sp(v), 0) / 4, 5);
    const lsgan = buildNode(registry['loss.mse'], { input: img(2, 2, 1) });
    expect((lsgan.run({ input: logits }).loss as tf.Tensor).dataSync()[0]).toBeCloseTo(xs.reduce((s, v) => s + (v - 1) ** 2, 0) / 4, 5);
  });

  it('cross-entropy node ignores the configured label', () => {
    const logits = tf.tensor2d([[2, 0, 0], [0, 5, 0]]);
    const node = buildNode(
      registry['loss.cross_entropy'],
      { input: { kind: 'vector', shape: ['N', 3] }, target: { kind: 'labels', shape: ['N'] } },
      { ignoreIndex: 1 },
    );
    const loss = (node.run({ input: logits, target: tf.tensor1d([0, 1], 'int32') }).loss as tf.Tensor).dataSync()[0];
    expect(loss).toBeCloseTo(-(2 - Math.log(Math.exp(2) + 2)), 5);
  });
});

describe('input.dataset', () => {
  it('outputs the fields the dataset has, straight from the batch', () => {
    const dataset = { type: 'test', fields: { image: img(4, 4, 3), semantic: { kind: 'labels' as const, shape: ['N', 4, 4] } } };
    const node = buildNode(registry['input.dataset'], {}, {}, { dataset });
    expect(Object.keys(node.outputTypes).sort()).toEqual(['image', 'semantic']);
    const image = tf.zeros([2, 4, 4, 3]);
    const semantic = tf.zeros([2, 4, 4], 'int32');
    const out = node.run({}, { batch: { image, semantic, unrelated: tf.zeros([1]) } });
    expect(out.image).toBe(image);
    expect(out.semantic).toBe(semantic);
    expect(Object.keys(out).sort()).toEqual(['image', 'semantic']);
  });
});
