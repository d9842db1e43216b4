import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import { conv2dTorch, convTranspose2dTorch, dilateKernel } from '../../../core/ops/conv';
import { convOutputSize, convTransposeOutputSize } from '../../../core/ops/shape';
import { expectClose } from '../../nodes/harness';
import { array4, dot, naiveConv2d, naiveConvTranspose2d, numericGradient, type Array4 } from './reference';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const rng = new Rng(42);
const randomArray = (size: number) => rng.fillNormal(new Float32Array(size), 0, 1);
type Shape4 = [number, number, number, number];

function sample(shape: Shape4) {
  const data = randomArray(shape.reduce((a, b) => a * b, 1));
  return { tensor: tf.tensor4d(data, shape), array: array4(data, shape) };
}

/** Gradients of Σ r·f(x, w, b) from tf and from central differences of the float64 reference. */
function compareGradients(
  ours: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D) => tf.Tensor,
  reference: (x: Array4, w: Array4, b: ArrayLike<number>) => Array4,
  xShape: Shape4,
  wShape: Shape4,
  outChannels: number,
) {
  const x = sample(xShape);
  const w = sample(wShape);
  const b = randomArray(outChannels);
  const outShape = reference(x.array, w.array, b).shape;
  const r = randomArray(outShape.reduce((p, q) => p * q, 1));
  const rT = tf.tensor4d(r, outShape);
  const [gx, gw, gb] = tf.grads((xx, ww, bb) => tf.sum(tf.mul(ours(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D), rT)))([
    x.tensor,
    w.tensor,
    tf.tensor1d(b),
  ]);
  const loss = (xs: Array4, ws: Array4, bs: ArrayLike<number>) => dot(reference(xs, ws, bs).data, r);
  expectClose(gx.dataSync(), numericGradient((v) => loss(array4(v, xShape), w.array, b), x.array.data), 2e-3);
  expectClose(gw.dataSync(), numericGradient((v) => loss(x.array, array4(v, wShape), b), w.array.data), 2e-3);
  expectClose(gb.dataSync(), numericGradient((v) => loss(x.array, w.array, v), b), 2e-3);
}

describe('conv2dTorch', () => {
  it.each([
    { k: 3, stride: 2, padding: 1, size: 7 },
    { k: 4, stride: 1, padding: 1, size: 6 },
    { k: 4, stride: 2, padding: 1, size: 8 },
    { k: 1, stride: 1, padding: 0, size: 5 },
    { k: 3, stride: 2, padding: 2, dilation: 2, size: 9 },
    { k: 7, stride: 1, padding: 3, size: 7 },
  ])('matches PyTorch output size and values for %o', ({ k, stride, padding, dilation, size }) => {
    const x = sample([2, size, size + 1, 3]);
    const w = sample([k, k, 3, 4]);
    const b = randomArray(4);
    const y = conv2dTorch(x.tensor, w.tensor, tf.tensor1d(b), { stride, padding, dilation });
    const expected = naiveConv2d(x.array, w.array, b, { stride, padding, dilation });
    expect(y.shape).toEqual(expected.shape);
    expect(y.shape[1]).toBe(convOutputSize(size, k, stride, padding, dilation));
    expectClose(y.dataSync(), expected.data, 1e-5);
  });

  it('differs from tf "same" padding where PyTorch does (k3 s2 p1 on an even size)', () => {
    const x = sample([1, 6, 6, 1]);
    const w = sample([3, 3, 1, 1]);
    const torch = conv2dTorch(x.tensor, w.tensor, null, { stride: 2, padding: 1 });
    const same = tf.conv2d(x.tensor, w.tensor, 2, 'same');
    expect(torch.shape).toEqual(same.shape);
    expect(tf.max(tf.abs(tf.sub(torch, same))).dataSync()[0]).toBeGreaterThan(1e-3);
  });

  it('reflect padding matches padding_mode="reflect"', () => {
    const x = sample([1, 5, 6, 2]);
    const w = sample([3, 3, 2, 3]);
    const y = conv2dTorch(x.tensor, w.tensor, null, { padding: 2, paddingMode: 'reflect' });
    expectClose(y.dataSync(), naiveConv2d(x.array, w.array, null, { stride: 1, padding: 2, reflect: true }).data, 1e-5);
  });

  it('has gradients equal to numeric ones, including with stride and dilation together', () => {
    compareGradients(
      (x, w, b) => conv2dTorch(x, w, b, { stride: 2, padding: 1 }),
      (x, w, b) => naiveConv2d(x, w, b, { stride: 2, padding: 1 }),
      [2, 5, 4, 2],
      [3, 3, 2, 3],
      3,
    );
    compareGradients(
      (x, w, b) => conv2dTorch(x, w, b, { stride: 2, padding: 2, dilation: 2 }),
      (x, w, b) => naiveConv2d(x, w, b, { stride: 2, padding: 2, dilation: 2 }),
      [1, 6, 5, 2],
      [3, 2, 2, 2],
      2,
    );
  });

  it('dilateKernel spreads taps with zeros between them', () => {
    const k = tf.tensor4d([1, 2, 3, 4], [2, 2, 1, 1]);
    const d = dilateKernel(k, [2, 3]);
    expect(d.shape).toEqual([3, 4, 1, 1]);
    expect(Array.from(d.dataSync())).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 4]);
  });
});

describe('convTranspose2dTorch', () => {
  const configs = [
    { k: 3, stride: 2, padding: 1, outputPadding: 1 },
    { k: 4, stride: 2, padding: 1, outputPadding: 0 },
    { k: 3, stride: 1, padding: 0, outputPadding: 0 },
    { k: 2, stride: 2, padding: 0, outputPadding: 0 },
    { k: 5, stride: 3, padding: 2, outputPadding: 2 },
    { k: 3, stride: 1, padding: 2, outputPadding: 1, dilation: 2 },
  ];

  it.each(configs)('matches the scatter definition for %o', (args) => {
    const x = sample([2, 3, 4, 3]);
    const w = sample([args.k, args.k, 2, 3]);
    const b = randomArray(2);
    const y = convTranspose2dTorch(x.tensor, w.tensor, tf.tensor1d(b), args);
    const expected = naiveConvTranspose2d(x.array, w.array, b, args);
    expect(y.shape).toEqual(expected.shape);
    expect(y.shape[1]).toBe(convTransposeOutputSize(3, args.k, args.stride, args.padding, args.outputPadding, args.dilation));
    expectClose(y.dataSync(), expected.data, 1e-5);
  });

  it('k3 s2 p1 op1 and k4 s2 p1 double the size', () => {
    const x = tf.zeros([1, 8, 5, 2]) as tf.Tensor4D;
    expect(convTranspose2dTorch(x, tf.zeros([3, 3, 4, 2]), null, { stride: 2, padding: 1, outputPadding: 1 }).shape).toEqual([1, 16, 10, 4]);
    expect(convTranspose2dTorch(x, tf.zeros([4, 4, 4, 2]), null, { stride: 2, padding: 1 }).shape).toEqual([1, 16, 10, 4]);
  });

  it.each([configs[0], configs[1], configs[4], configs[5]])('has gradients equal to numeric ones for %o', (args) => {
    compareGradients(
      (x, w, b) => convTranspose2dTorch(x, w, b, args),
      (x, w, b) => naiveConvTranspose2d(x, w, b, args),
      [2, 3, 2, 2],
      [args.k, args.k, 3, 2],
      3,
    );
  });
});
