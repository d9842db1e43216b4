/**
 * Training needs these gradients on wasm; before our kernels they threw
 * "kernel not registered". Each is compared with the cpu backend on identical data.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { expectClose, randomValues, sizeOf } from './helpers';

function tensorFrom(seed: number, shape: number[]): tf.Tensor {
  return tf.tensor(randomValues(seed, sizeOf(shape)), shape);
}

/** Evaluates every gradient of `loss` on one backend, as plain arrays. */
async function gradientsOn(backendName: 'cpu' | 'wasm', inputs: () => tf.Tensor[], loss: (...args: tf.Tensor[]) => tf.Scalar) {
  await tf.setBackend(backendName);
  const grads = tf.tidy(() => tf.grads(loss)(inputs()));
  const values = await Promise.all(grads.map(async (g) => ({ shape: g.shape, values: Float32Array.from(await g.data()) })));
  tf.dispose(grads);
  return values;
}

async function expectSameGradients(label: string, inputs: () => tf.Tensor[], loss: (...args: tf.Tensor[]) => tf.Scalar): Promise<void> {
  const onCpu = await gradientsOn('cpu', inputs, loss);
  const onWasm = await gradientsOn('wasm', inputs, loss);
  expect(onWasm.map((g) => g.shape)).toEqual(onCpu.map((g) => g.shape));
  onWasm.forEach((g, i) => expectClose(g.values, onCpu[i].values, 1e-4, `${label}, gradient ${i}`));
}

/** A loss with a non-uniform upstream gradient, so every output position matters. */
function weightedSum(y: tf.Tensor, seed: number): tf.Scalar {
  return tf.sum(tf.mul(y, tensorFrom(seed, y.shape)));
}

beforeAll(async () => {
  await selectBackend('auto');
});

describe('gradients on wasm match cpu', () => {
  it('conv2d with explicit PyTorch-style padding and with same padding', async () => {
    for (const [k, s, pad] of [
      [3, 2, [[0, 0], [1, 1], [1, 1], [0, 0]]],
      [4, 2, 'same'],
      [7, 1, 3],
    ] as const) {
      await expectSameGradients(
        `conv2d k${k} s${s} pad ${JSON.stringify(pad)}`,
        () => [tensorFrom(1, [2, 11, 9, 3]), tensorFrom(2, [k, k, 3, 4])],
        (x, w) => weightedSum(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, s, pad as tf.backend_util.ExplicitPadding), 3),
      );
    }
  });

  it('fused conv2d with bias and relu', async () => {
    await expectSameGradients(
      'fused conv2d',
      () => [tensorFrom(4, [2, 8, 10, 3]), tensorFrom(5, [3, 3, 3, 6]), tensorFrom(6, [6])],
      (x, w, b) => weightedSum(tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, bias: b, strides: 2, pad: 'same', activation: 'relu' }), 7),
    );
  });

  it('conv2dTranspose (k4 s2 same, as in pix2pix decoders)', async () => {
    await expectSameGradients(
      'conv2dTranspose',
      () => [tensorFrom(8, [2, 5, 6, 4]), tensorFrom(9, [4, 4, 3, 4])],
      (x, w) => weightedSum(tf.conv2dTranspose(x as tf.Tensor4D, w as tf.Tensor4D, [2, 10, 12, 3], 2, 'same'), 10),
    );
  });

  it('depthwiseConv2d with a channel multiplier, stride 2 and explicit padding', async () => {
    for (const [stride, pad] of [
      [2, 'same'],
      [1, 'valid'],
      [2, 1],
    ] as const) {
      await expectSameGradients(
        `depthwiseConv2d s${stride} pad ${pad}`,
        () => [tensorFrom(11, [2, 9, 8, 3]), tensorFrom(12, [3, 3, 3, 2])],
        (x, w) => weightedSum(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad), 13),
      );
    }
  });

  it('gather along axes 0 and 1 with repeated indices', async () => {
    for (const axis of [0, 1]) {
      await expectSameGradients(
        `gather axis ${axis}`,
        () => [tensorFrom(14, [6, 5, 3])],
        (x) => weightedSum(tf.gather(x, tf.tensor1d([4, 0, 4, 2, 4], 'int32'), axis), 15),
      );
    }
  });
});

describe('no leaks', () => {
  it('repeated conv, transposed conv, matmul, depthwise and gather gradients leave tensor and backend memory unchanged', async () => {
    const backendState = () => ({ tensors: tf.memory().numTensors, dataIds: tf.backend().numDataIds() });
    for (const backendName of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backendName);
      const x = tensorFrom(16, [2, 9, 9, 3]) as tf.Tensor4D;
      const w = tensorFrom(17, [4, 4, 3, 5]) as tf.Tensor4D;
      const dw = tensorFrom(18, [3, 3, 3, 2]) as tf.Tensor4D;
      // A many-channel filter on a tiny map takes wasm's im2col + matmul path; its input gradient, the matmul one.
      const small = tensorFrom(19, [2, 2, 2, 64]) as tf.Tensor4D;
      const wide = tensorFrom(20, [3, 3, 64, 128]) as tf.Tensor4D;
      const step = () => {
        const grads = tf.grads((a, b, c, d, e) =>
          tf.addN([
            tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, [[0, 0], [1, 2], [1, 0], [0, 0]]))),
            tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, c as tf.Tensor4D, 2, 'same')),
            tf.sum(tf.gather(a, [1, 1, 0], 1)),
            tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, tf.transpose(b, [0, 1, 3, 2]) as tf.Tensor4D, [2, 18, 18, 5], 2, 'same'))),
            tf.sum(tf.square(tf.conv2d(d as tf.Tensor4D, e as tf.Tensor4D, 1, 'same'))),
            tf.sum(tf.matMul(tf.reshape(a, [18, 27]), tf.reshape(a, [18, 27]), true, false)),
          ]),
        )([x, w, dw, small, wide]);
        tf.dispose(grads);
      };
      step();
      const before = backendState();
      for (let i = 0; i < 3; i++) step();
      expect(backendState(), backendName).toEqual(before);
      tf.dispose([x, w, dw, small, wide]);
    }
  });
});
