import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import { avgPool2dTorch, maxPool2dTorch } from '../../../core/ops/pool';
import { expectClose } from '../../nodes/harness';
import { array4, dot, naivePool, numericGradient, type PoolArgs } from './reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = new Rng(11);
const randomArray = (size: number) => rng.fillNormal(new Float32Array(size), 0, 1);
const shape: [number, number, number, number] = [2, 5, 6, 2];
const cases: PoolArgs[] = [
  { kernel: 2, stride: 2, padding: 0 },
  { kernel: 3, stride: 2, padding: 1 },
  { kernel: 3, stride: 1, padding: 1 },
  { kernel: 4, stride: 3, padding: 2 },
];

describe('maxPool2dTorch', () => {
  it.each(cases)('matches nn.MaxPool2d in value and gradient for %o', (args) => {
    const data = randomArray(shape.reduce((a, b) => a * b, 1));
    const y = maxPool2dTorch(tf.tensor4d(data, shape), args);
    const expected = naivePool(array4(data, shape), 'max', args);
    expect(y.shape).toEqual(expected.shape);
    expectClose(y.dataSync(), expected.data, 1e-6);
    const r = randomArray(expected.data.length);
    const g = tf.grad((x) => tf.sum(tf.mul(maxPool2dTorch(x as tf.Tensor4D, args), tf.tensor4d(r, expected.shape))))(tf.tensor4d(data, shape));
    expectClose(g.dataSync(), numericGradient((v) => dot(naivePool(array4(v, shape), 'max', args).data, r), data, 1e-5), 1e-3);
  });
});

describe('avgPool2dTorch', () => {
  it.each([true, false].flatMap((countIncludePad) => cases.map((c) => ({ ...c, countIncludePad }))))(
    'matches nn.AvgPool2d in value and gradient for %o',
    (args) => {
      const data = randomArray(shape.reduce((a, b) => a * b, 1));
      const y = avgPool2dTorch(tf.tensor4d(data, shape), args);
      const expected = naivePool(array4(data, shape), 'avg', args);
      expect(y.shape).toEqual(expected.shape);
      expectClose(y.dataSync(), expected.data, 1e-5);
      const r = randomArray(expected.data.length);
      const g = tf.grad((x) => tf.sum(tf.mul(avgPool2dTorch(x as tf.Tensor4D, args), tf.tensor4d(r, expected.shape))))(tf.tensor4d(data, shape));
      expectClose(g.dataSync(), numericGradient((v) => dot(naivePool(array4(v, shape), 'avg', args).data, r), data), 1e-4);
    },
  );

  it('count_include_pad=True lowers border averages of a constant map, False keeps them', () => {
    const ones = tf.ones([1, 3, 3, 1]) as tf.Tensor4D;
    const included = avgPool2dTorch(ones, { kernel: 3, stride: 1, padding: 1 }).dataSync();
    const excluded = avgPool2dTorch(ones, { kernel: 3, stride: 1, padding: 1, countIncludePad: false }).dataSync();
    expectClose(included, [4 / 9, 6 / 9, 4 / 9, 6 / 9, 1, 6 / 9, 4 / 9, 6 / 9, 4 / 9], 1e-6);
    expectClose(excluded, new Array(9).fill(1), 1e-6);
  });
});
