import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { runStockKernel } from '../../../core/backend/kernels/install';
import { chooseInputGradientStrategy, makeConv2DBackpropInputKernel, type InputGradientStrategy } from '../../../core/backend/kernels/conv2d-backprop-input';
import { expectClose, randomValues, runKernel, runKernelFunc, sizeOf, valuesOn } from './helpers';

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface Case {
  height: number;
  width: number;
  kernel: number;
  stride: number;
  pad: Pad;
}

const BATCH = 2;
const IN_CHANNELS = 3;
const OUT_CHANNELS = 4;

/** dx straight from the definition: every dy pixel spreads W's taps over the input rows it was computed from. */
function naiveInputGradient(c: Case, dy: Float32Array, filter: Float32Array, info: tf.backend_util.Conv2DInfo): Float32Array {
  const dx = new Float64Array(BATCH * c.height * c.width * IN_CHANNELS);
  const { outHeight, outWidth } = info;
  for (let n = 0; n < BATCH; n++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++)
        for (let i = 0; i < c.kernel; i++)
          for (let j = 0; j < c.kernel; j++) {
            const ih = oh * c.stride + i - info.padInfo.top;
            const iw = ow * c.stride + j - info.padInfo.left;
            if (ih < 0 || ih >= c.height || iw < 0 || iw >= c.width) continue;
            for (let ci = 0; ci < IN_CHANNELS; ci++)
              for (let co = 0; co < OUT_CHANNELS; co++)
                dx[((n * c.height + ih) * c.width + iw) * IN_CHANNELS + ci] +=
                  dy[((n * outHeight + oh) * outWidth + ow) * OUT_CHANNELS + co] * filter[((i * c.kernel + j) * IN_CHANNELS + ci) * OUT_CHANNELS + co];
          }
  return Float32Array.from(dx);
}

const ours: Record<InputGradientStrategy, tf.KernelFunc> = {
  phases: makeConv2DBackpropInputKernel('wasm', 'phases'),
  matmul: makeConv2DBackpropInputKernel('wasm', 'matmul'),
};

/** Runs every formulation and the stock kernel on one case and compares them with the definition. */
async function checkCase(c: Case, seed: number): Promise<void> {
  const inputShape: [number, number, number, number] = [BATCH, c.height, c.width, IN_CHANNELS];
  const filterShape: [number, number, number, number] = [c.kernel, c.kernel, IN_CHANNELS, OUT_CHANNELS];
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, c.stride, 1, c.pad);
  const dyShape = [BATCH, info.outHeight, info.outWidth, OUT_CHANNELS];
  const dyValues = randomValues(seed, sizeOf(dyShape));
  const filterValues = randomValues(seed + 1, sizeOf(filterShape));
  const expected = naiveInputGradient(c, dyValues, filterValues, info);
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape };
  const label = JSON.stringify(c);
  const inputs = () => ({ dy: tf.tensor(dyValues, dyShape), filter: tf.tensor(filterValues, filterShape) });
  const stock = await valuesOn('wasm', () => runStockKernel('Conv2DBackpropInput', 'wasm', inputs(), attrs));
  expectClose(stock.values, expected, 1e-5, `stock ${label}`);
  for (const [strategy, kernelFunc] of Object.entries(ours)) {
    const actual = await valuesOn('wasm', () => runKernelFunc(kernelFunc, inputs(), attrs));
    expect(actual.shape, `${strategy} ${label}`).toEqual(inputShape);
    expectClose(actual.values, expected, 1e-5, `${strategy} ${label}`);
  }
  const registered = await valuesOn('wasm', () => runKernel('Conv2DBackpropInput', inputs(), attrs));
  expectClose(registered.values, expected, 1e-5, `registered ${label}`);
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('Conv2DBackpropInput on wasm as stride-1 convolutions (phases) or a matrix product (matmul)', () => {
  const pads: Pad[] = [
    'same',
    'valid',
    0,
    1,
    2,
    [
      [0, 0],
      [2, 0],
      [1, 3],
      [0, 0],
    ],
  ];
  for (const kernel of [1, 2, 3, 4, 5, 7]) {
    it(`matches the definition and the stock kernel for ${kernel}x${kernel} filters, strides 1-3, all paddings, odd and even sizes`, async () => {
      let seed = kernel * 1000;
      let checked = 0;
      for (const stride of [1, 2, 3])
        for (const pad of pads)
          // Heights 7..9 against a fixed width of 6 give H != W and, for strides > 1, bottom rows no window reads.
          for (const height of [7, 8, 9]) {
            const c: Case = { height, width: 6, kernel, stride, pad };
            const info = tf.backend_util.computeConv2DInfo([BATCH, height, 6, IN_CHANNELS], [kernel, kernel, IN_CHANNELS, OUT_CHANNELS], stride, 1, pad);
            if (info.outHeight <= 0 || info.outWidth <= 0) continue;
            await checkCase(c, seed++);
            checked++;
          }
      expect(checked).toBeGreaterThanOrEqual(30);
    });
  }

  it('handles padding larger than the kernel (every tap of some phases falls outside dy)', async () => {
    const pad: Pad = [
      [0, 0],
      [3, 4],
      [4, 0],
      [0, 0],
    ];
    for (const stride of [1, 2, 3]) await checkCase({ height: 5, width: 6, kernel: 2, stride, pad }, 50 + stride);
  });

  it('supports NCHW by transposing around the NHWC computation', async () => {
    const attrs = { strides: 2, pad: 1, dataFormat: 'NCHW', inputShape: [2, 3, 7, 6] };
    const dy = () => tf.transpose(tf.tensor(randomValues(60, 2 * 4 * 3 * 4), [2, 4, 3, 4]), [0, 3, 1, 2]);
    const filter = () => tf.tensor(randomValues(61, 3 * 3 * 3 * 4), [3, 3, 3, 4]);
    const stock = await valuesOn('wasm', () => runStockKernel('Conv2DBackpropInput', 'wasm', { dy: dy(), filter: filter() }, attrs));
    for (const kernelFunc of Object.values(ours)) {
      const actual = await valuesOn('wasm', () => runKernelFunc(kernelFunc, { dy: dy(), filter: filter() }, attrs));
      expect(actual.shape).toEqual([2, 3, 7, 6]);
      expectClose(actual.values, stock.values, 1e-5, 'NCHW');
    }
  });

  it('conv2d and conv2dTranspose gradients on wasm match cpu', async () => {
    const x = randomValues(70, 2 * 9 * 8 * 5);
    const w = randomValues(71, 4 * 4 * 5 * 6);
    const weights = randomValues(72, 2 * 5 * 4 * 6);
    const t = randomValues(73, 2 * 18 * 16 * 5);
    const z = randomValues(74, 2 * 9 * 8 * 6);
    const grads = () => {
      const input = tf.tensor4d(x, [2, 9, 8, 5]);
      const filter = tf.tensor4d(w, [4, 4, 5, 6]);
      const [dInput, dFilter] = tf.grads((a, b) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, [[0, 0], [1, 2], [1, 1], [0, 0]]), tf.tensor4d(weights, [2, 5, 4, 6]))))([input, filter]);
      const small = tf.tensor4d(z, [2, 9, 8, 6]);
      const [dTransposed] = tf.grads((a) => tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, filter, [2, 18, 16, 5], 2, 'same'), tf.tensor4d(t, [2, 18, 16, 5]))))([small]);
      return tf.concat([dInput, dFilter, dTransposed].map((g) => tf.reshape(g, [-1])));
    };
    const onCpu = await valuesOn('cpu', grads);
    const onWasm = await valuesOn('wasm', grads);
    expectClose(onWasm.values, onCpu.values, 1e-5, 'gradients');
  });
});

describe('chooseInputGradientStrategy', () => {
  it('prefers phases for high-resolution maps and matmul for low-resolution, many-channel ones', () => {
    expect(chooseInputGradientStrategy([8, 64, 64, 16], [3, 3, 16, 16])).toBe('phases');
    expect(chooseInputGradientStrategy([4, 16, 16, 256], [4, 4, 64, 256])).toBe('phases');
    expect(chooseInputGradientStrategy([4, 2, 2, 1024], [4, 4, 512, 1024])).toBe('matmul');
  });
});
