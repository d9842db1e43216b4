import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import { batchNorm, instanceNorm } from '../../../core/ops/norm';
import { expectClose } from '../../nodes/harness';
import { dot, numericGradient } from './reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = new Rng(5);
const randomArray = (size: number, mean = 0, std = 1) => rng.fillNormal(new Float32Array(size), mean, std);

/** Per-channel (last axis) statistics of the elements selected by `group`, in float64. */
function channelStats(data: ArrayLike<number>, channels: number, group: (i: number) => number, groups: number) {
  const sum = new Float64Array(groups * channels);
  const sq = new Float64Array(groups * channels);
  const count = new Float64Array(groups * channels);
  for (let i = 0; i < data.length; i++) {
    const k = group(i) * channels + (i % channels);
    sum[k] += data[i];
    count[k]++;
  }
  const mean = sum.map((s, k) => s / count[k]);
  for (let i = 0; i < data.length; i++) {
    const k = group(i) * channels + (i % channels);
    sq[k] += (data[i] - mean[k]) ** 2;
  }
  return { mean, biased: sq.map((s, k) => s / count[k]), unbiased: sq.map((s, k) => s / (count[k] - 1)), count };
}

/** Training-mode batch norm in float64, straight from the definition. */
function naiveBatchNorm(data: ArrayLike<number>, channels: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, eps: number) {
  const { mean, biased } = channelStats(data, channels, () => 0, 1);
  return Float64Array.from(data, (v, i) => {
    const c = i % channels;
    return ((v - mean[c]) / Math.sqrt(biased[c] + eps)) * gamma[c] + beta[c];
  });
}

describe('batchNorm', () => {
  const shape = [4, 3, 2, 3];
  const size = 4 * 3 * 2 * 3;

  it('normalises with the biased batch variance and updates running stats with the unbiased one', () => {
    const data = randomArray(size, 2, 3);
    const gamma = [1.5, 0.5, -1];
    const beta = [0.1, -0.2, 0.3];
    const running = { mean: tf.variable(tf.tensor1d([1, 2, 3]), false), variance: tf.variable(tf.tensor1d([4, 5, 6]), false) };
    const y = batchNorm(tf.tensor(data, shape), {
      gamma: tf.tensor1d(gamma),
      beta: tf.tensor1d(beta),
      running,
      training: true,
      updateStats: true,
    });
    expectClose(y.dataSync(), naiveBatchNorm(data, 3, gamma, beta, 1e-5), 1e-5);
    const stats = channelStats(data, 3, () => 0, 1);
    expectClose(running.mean.dataSync(), [0, 1, 2].map((c) => 0.9 * [1, 2, 3][c] + 0.1 * stats.mean[c]), 1e-6);
    expectClose(running.variance.dataSync(), [0, 1, 2].map((c) => 0.9 * [4, 5, 6][c] + 0.1 * stats.unbiased[c]), 1e-6);
  });

  it('leaves running stats alone without updateStats, and uses them in evaluation', () => {
    const data = randomArray(size);
    const running = { mean: tf.variable(tf.tensor1d([1, 2, 3]), false), variance: tf.variable(tf.tensor1d([4, 9, 16]), false) };
    batchNorm(tf.tensor(data, shape), { running, training: true, updateStats: false, momentum: 0.5 });
    expect(Array.from(running.mean.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(running.variance.dataSync())).toEqual([4, 9, 16]);
    const y = batchNorm(tf.tensor(data, shape), { running, training: false, updateStats: false, eps: 0 });
    expectClose(y.dataSync(), Array.from(data, (v, i) => (v - [1, 2, 3][i % 3]) / [2, 3, 4][i % 3]), 1e-6);
  });

  it('back-propagates through the batch statistics', () => {
    const data = randomArray(size);
    const gamma = [1.2, 0.7, -0.4];
    const r = randomArray(size);
    const [gx, gg, gb] = tf.grads((x, g, b) =>
      tf.sum(tf.mul(batchNorm(x, { gamma: g, beta: b, training: true, updateStats: false }), tf.tensor(r, shape))),
    )([tf.tensor(data, shape), tf.tensor1d(gamma), tf.tensor1d([0, 0, 0])]);
    const loss = (x: ArrayLike<number>, g: ArrayLike<number>, b: ArrayLike<number>) => dot(naiveBatchNorm(x, 3, g, b, 1e-5), r);
    expectClose(gx.dataSync(), numericGradient((v) => loss(v, gamma, [0, 0, 0]), data), 2e-3);
    expectClose(gg.dataSync(), numericGradient((v) => loss(data, v, [0, 0, 0]), gamma), 1e-3);
    expectClose(gb.dataSync(), numericGradient((v) => loss(data, gamma, v), [0, 0, 0]), 1e-3);
  });

  it('works on vectors (BatchNorm1d)', () => {
    const data = randomArray(6 * 4);
    const y = batchNorm(tf.tensor2d(data, [6, 4]), { training: true, updateStats: false });
    expectClose(y.dataSync(), naiveBatchNorm(data, 4, [1, 1, 1, 1], [0, 0, 0, 0], 1e-5), 1e-5);
  });
});

describe('instanceNorm', () => {
  it('normalises each sample and channel over H and W', () => {
    const shape: [number, number, number, number] = [2, 3, 4, 2];
    const data = randomArray(48, 1, 2);
    const pixels = 12;
    const sampleOf = (i: number) => Math.floor(i / (pixels * 2));
    const stats = channelStats(data, 2, sampleOf, 2);
    const expected = Array.from(data, (v, i) => {
      const k = sampleOf(i) * 2 + (i % 2);
      return ((v - stats.mean[k]) / Math.sqrt(stats.biased[k] + 1e-5)) * [2, 3][i % 2] + [0.5, -0.5][i % 2];
    });
    const y = instanceNorm(tf.tensor4d(data, shape), 1e-5, { gamma: tf.tensor1d([2, 3]), beta: tf.tensor1d([0.5, -0.5]) });
    expectClose(y.dataSync(), expected, 1e-5);
  });
});
