/**
 * The smallest cases of the stock tfjs gradients we replaced, with PyTorch's
 * answers (torch 1.13): each failed before its fix. The full PyTorch cases
 * are in the kernel audit (audit.test.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { maxPool2dTorch } from '../../../core/ops/pool';
import { bceWithLogits } from '../../../core/ops/losses';

beforeAll(async () => {
  await selectBackend('wasm');
});

describe.each(['cpu', 'wasm'] as const)('gradient fixes on %s', (backend) => {
  it('MirrorPad: d/dx Σ reflect-pad([1,2,3], 1) = [1,3,1] (torch F.pad reflect); symmetric gives [2,1,2]', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor2d([[1, 2, 3]]);
    const reflect = tf.grad((t) => tf.sum(tf.mirrorPad(t as tf.Tensor2D, [[0, 0], [1, 1]], 'reflect')))(x);
    expect(Array.from(await reflect.data())).toEqual([1, 3, 1]);
    const symmetric = tf.grad((t) => tf.sum(tf.mirrorPad(t as tf.Tensor2D, [[0, 0], [1, 1]], 'symmetric')))(x);
    expect(Array.from(await symmetric.data())).toEqual([2, 1, 2]);
    tf.dispose([x, reflect, symmetric]);
  });

  it('MaxPoolGrad: a window of negatives sends its gradient to its max, ties to the first max', async () => {
    await tf.setBackend(backend);
    const pool = (values: number[]) => tf.grad((t) => tf.sum(maxPool2dTorch(t as tf.Tensor4D, { kernel: 2 })))(tf.tensor4d(values, [1, 2, 2, 1]));
    const negatives = pool([-5, -2, -3, -4]);
    const ties = pool([1, 3, 3, 3]);
    expect(Array.from(await negatives.data())).toEqual([0, 1, 0, 0]);
    expect(Array.from(await ties.data())).toEqual([0, 1, 0, 0]);
    tf.dispose([negatives, ties]);
  });

  it('Abs: d/dx |x| at x = 0 is 0 (torch.abs), so an L1 loss at an exact match stays put', async () => {
    await tf.setBackend(backend);
    const grad = tf.grad((t) => tf.sum(tf.abs(t)))(tf.tensor1d([-2, 0, 3]));
    expect(Array.from(await grad.data())).toEqual([-1, 0, 1]);
    grad.dispose();
  });

  it('BCE with logits keeps tiny losses: x = 20, t = 1 gives log1p(e^-20) = 2.0611537e-9, not 0 (wasm Log1p included)', async () => {
    await tf.setBackend(backend);
    const x = tf.scalar(20);
    const loss = bceWithLogits(x, 1);
    const grad = tf.grad((t) => bceWithLogits(t, 1))(x);
    expect((await loss.data())[0]).toBeCloseTo(2.0611537e-9, 15);
    expect((await grad.data())[0]).toBeCloseTo(-2.0611537e-9, 15);
    expect((await loss.data())[0] / 2.0611537e-9).toBeCloseTo(1, 5);
    tf.dispose([x, loss, grad]);
  });
});
