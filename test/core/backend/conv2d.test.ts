import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { runStockKernel, stockKernel } from '../../../core/backend/kernels/install';
import { chooseConv2DStrategy, makeConv2DKernel, type Conv2DStrategy } from '../../../core/backend/kernels/conv2d';
import { expectClose, randomValues, runKernel, runKernelFunc, sizeOf, valuesOn } from './helpers';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

const stockConv2D = () => {
  const config = stockKernel('Conv2D', 'wasm');
  if (!config) throw new Error('the stock wasm Conv2D was not recorded');
  return config.kernelFunc;
};
const ours: Record<Conv2DStrategy, tf.KernelFunc> = {
  convolution: makeConv2DKernel('wasm', stockConv2D, 'convolution'),
  matmul: makeConv2DKernel('wasm', stockConv2D, 'matmul'),
};

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('Conv2D on wasm, as XNNPACK convolution or im2col + matmul', () => {
  const pads: Pad[] = [
    'same',
    'valid',
    1,
    [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  ];
  // cpu is the reference: wasm's stock kernel returns zeros for 'same' padding when the stride exceeds the kernel.
  it('matches cpu for kernels 1-5, strides 1-3, dilations 1-2 and every padding', async () => {
    let seed = 1;
    let checked = 0;
    for (const kernel of [1, 2, 3, 4, 5])
      for (const stride of [1, 2, 3])
        for (const dilation of [1, 2])
          for (const pad of pads) {
            // tf forbids strides and dilations both above 1.
            if (stride > 1 && dilation > 1) continue;
            const xShape: [number, number, number, number] = [2, 9, 7, 3];
            const filterShape: [number, number, number, number] = [kernel, kernel, 3, 5];
            const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, stride, dilation, pad);
            if (info.outHeight <= 0 || info.outWidth <= 0) continue;
            const attrs = { strides: stride, pad, dataFormat: 'NHWC', dilations: dilation };
            const x = randomValues(seed++, sizeOf(xShape));
            const filter = randomValues(seed++, sizeOf(filterShape));
            const inputs = () => ({ x: tf.tensor(x, xShape), filter: tf.tensor(filter, filterShape) });
            const label = JSON.stringify({ kernel, stride, dilation, pad });
            const expected = await valuesOn('cpu', () => runKernel('Conv2D', inputs(), attrs));
            for (const [strategy, kernelFunc] of Object.entries(ours)) {
              const actual = await valuesOn('wasm', () => runKernelFunc(kernelFunc, inputs(), attrs));
              expect(actual.shape, `${strategy} ${label}`).toEqual(expected.shape);
              expectClose(actual.values, expected.values, 1e-5, `${strategy} ${label}`);
            }
            const registered = await valuesOn('wasm', () => runKernel('Conv2D', inputs(), attrs));
            expectClose(registered.values, expected.values, 1e-5, `registered ${label}`);
            checked++;
          }
    expect(checked).toBeGreaterThanOrEqual(70);
  });

  it('runs a 512-channel conv on a 4x4 map as a matmul, with the stock result, and trains like cpu', async () => {
    const xShape: [number, number, number, number] = [2, 4, 4, 256];
    const filterShape: [number, number, number, number] = [4, 4, 256, 512];
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ];
    expect(chooseConv2DStrategy(tf.backend_util.computeConv2DInfo(xShape, filterShape, 2, 1, pad))).toBe('matmul');
    const x = randomValues(90, sizeOf(xShape));
    const filter = randomValues(91, sizeOf(filterShape));
    const inputs = () => ({ x: tf.tensor(x, xShape), filter: tf.tensor(filter, filterShape) });
    const attrs = { strides: 2, pad, dataFormat: 'NHWC', dilations: 1 };
    const expected = await valuesOn('wasm', () => runStockKernel('Conv2D', 'wasm', inputs(), attrs));
    const registered = await valuesOn('wasm', () => runKernel('Conv2D', inputs(), attrs));
    expectClose(registered.values, expected.values, 1e-5, 'registered Conv2D');
    const weights = randomValues(92, 2 * 2 * 2 * 512);
    const gradients = () => {
      const { x: a, filter: b } = inputs();
      const grads = tf.grads((u, v) => tf.sum(tf.mul(tf.conv2d(u as tf.Tensor4D, v as tf.Tensor4D, 2, pad), tf.tensor(weights, [2, 2, 2, 512]))))([a, b]);
      return tf.concat(grads.map((g) => tf.reshape(g, [-1])));
    };
    const onCpu = await valuesOn('cpu', gradients);
    const onWasm = await valuesOn('wasm', gradients);
    expectClose(onWasm.values, onCpu.values, 1e-5, 'gradients');
  });

  it('keeps high-resolution, few-channel convs on XNNPACK', () => {
    const info = tf.backend_util.computeConv2DInfo([8, 64, 64, 16], [3, 3, 16, 16], 1, 1, 1);
    expect(chooseConv2DStrategy(info)).toBe('convolution');
  });
});
