import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { bceWithLogits, crossEntropy, l1Loss, mseLoss } from '../../../core/ops/losses';
import { expectClose } from '../../nodes/harness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('regression losses', () => {
  it('l1 and mse with mean and sum reductions, and constant targets', () => {
    const input = tf.tensor2d([1, -2, 3, 0.5], [2, 2]);
    const target = tf.tensor2d([0, 1, 3, -0.5], [2, 2]);
    expect(l1Loss(input, target).dataSync()[0]).toBeCloseTo((1 + 3 + 0 + 1) / 4, 6);
    expect(l1Loss(input, target, 'sum').dataSync()[0]).toBeCloseTo(5, 6);
    expect(mseLoss(input, target).dataSync()[0]).toBeCloseTo((1 + 9 + 0 + 1) / 4, 6);
    expect(mseLoss(input, 1, 'sum').dataSync()[0]).toBeCloseTo(0 + 9 + 4 + 0.25, 6);
  });
});

describe('bceWithLogits', () => {
  it('equals −[z log σ(x) + (1−z) log(1−σ(x))] for moderate logits', () => {
    const x = [-3, -0.5, 0, 0.7, 2.5, 4];
    const z = [0, 1, 0.3, 1, 0, 0.5];
    const naive = x.map((v, i) => -(z[i] * Math.log(sigmoid(v)) + (1 - z[i]) * Math.log(1 - sigmoid(v))));
    expect(bceWithLogits(tf.tensor1d(x), tf.tensor1d(z), 'sum').dataSync()[0]).toBeCloseTo(naive.reduce((a, b) => a + b), 5);
  });

  it('stays finite and exact for huge logits, where the naive form gives Infinity', () => {
    const x = [-200, 200, -60, 80];
    const z = [1, 0, 0, 1];
    const naive = x.map((v, i) => -(z[i] * Math.log(sigmoid(v)) + (1 - z[i]) * Math.log(1 - sigmoid(v))));
    expect(naive.some((v) => !Number.isFinite(v))).toBe(true);
    const stable = x.map((v, i) => Math.max(v, 0) - v * z[i] + Math.log1p(Math.exp(-Math.abs(v))));
    const ours = bceWithLogits(tf.tensor1d(x), tf.tensor1d(z), 'sum').dataSync()[0];
    expect(ours).toBeCloseTo(stable.reduce((a, b) => a + b), 3);
    expect(stable[0]).toBeCloseTo(200, 6);
  });

  it('has gradient (σ(x) − z)/count, including at x = 0', () => {
    const x = [0, 0, -1.5, 3];
    const z = [1, 0, 0.25, 1];
    const g = tf.grad((t) => bceWithLogits(t, tf.tensor1d(z)))(tf.tensor1d(x));
    expectClose(g.dataSync(), x.map((v, i) => (sigmoid(v) - z[i]) / 4), 1e-6);
  });
});

describe('crossEntropy', () => {
  const logits = [
    [2, 0.5, -1],
    [0.1, 0.2, 0.3],
    [-1, 3, 0],
    [1, 1, 1],
  ];
  const logSoftmax = (row: number[]) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return row.map((v) => v - lse);
  };
  const nll = (i: number, label: number) => -logSoftmax(logits[i])[label];
  const input = tf.tensor2d(logits);

  it('averages −log softmax at the label', () => {
    const labels = [0, 2, 1, 1];
    const expected = labels.reduce((s, y, i) => s + nll(i, y), 0) / 4;
    expect(crossEntropy(input, tf.tensor1d(labels, 'int32')).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(crossEntropy(input, tf.tensor1d(labels, 'int32'), { reduction: 'sum' }).dataSync()[0]).toBeCloseTo(expected * 4, 5);
  });

  it('with class weights divides by the sum of the picked weights, as PyTorch', () => {
    const labels = [0, 2, 1, 1];
    const w = [0.5, 2, 1];
    const num = labels.reduce((s, y, i) => s + w[y] * nll(i, y), 0);
    const den = labels.reduce((s, y) => s + w[y], 0);
    const loss = crossEntropy(input, tf.tensor1d(labels, 'int32'), { weights: tf.tensor1d(w) });
    expect(loss.dataSync()[0]).toBeCloseTo(num / den, 5);
  });

  it('skips ignored labels, in and out of the class range, in sum and count', () => {
    const expected = (nll(0, 0) + nll(2, 1)) / 2;
    const outOfRange = crossEntropy(input, tf.tensor1d([0, 255, 1, 255], 'int32'), { ignoreIndex: 255 });
    expect(outOfRange.dataSync()[0]).toBeCloseTo(expected, 5);
    const inRange = crossEntropy(input, tf.tensor1d([0, 2, 1, 2], 'int32'), { ignoreIndex: 2 });
    expect(inRange.dataSync()[0]).toBeCloseTo(expected, 5);
    const allIgnored = crossEntropy(input, tf.tensor1d([255, 255, 255, 255], 'int32'), { ignoreIndex: 255 });
    expect(allIgnored.dataSync()[0]).toBeCloseTo(0, 10);
  });

  it('handles per-pixel labels N×H×W against N×H×W×C logits, with the softmax gradient', () => {
    const flat = logits.flat();
    const maps = tf.tensor4d(flat, [1, 2, 2, 3]);
    const labels = tf.tensor3d([0, 2, 1, 1], [1, 2, 2], 'int32');
    const expected = (nll(0, 0) + nll(1, 2) + nll(2, 1) + nll(3, 1)) / 4;
    expect(crossEntropy(maps, labels).dataSync()[0]).toBeCloseTo(expected, 5);
    const g = tf.grad((t) => crossEntropy(t, labels))(maps);
    const softmaxMinusOneHot = logits.flatMap((row, i) =>
      logSoftmax(row).map((lp, c) => (Math.exp(lp) - (c === [0, 2, 1, 1][i] ? 1 : 0)) / 4),
    );
    expectClose(g.dataSync(), softmaxMinusOneHot, 1e-5);
  });

  it('accepts class probabilities as target', () => {
    const probs = [
      [1, 0, 0],
      [0.2, 0.3, 0.5],
      [0, 1, 0],
      [0.5, 0.5, 0],
    ];
    const expected = probs.reduce((s, row, i) => s - row.reduce((t, pc, c) => t + pc * logSoftmax(logits[i])[c], 0), 0) / 4;
    expect(crossEntropy(input, tf.tensor2d(probs)).dataSync()[0]).toBeCloseTo(expected, 5);
  });
});
