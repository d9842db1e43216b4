import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { runStockKernel } from '../../../core/backend/kernels/install';
import { chooseFilterGradientStrategy, makeConv2DBackpropFilterKernel, type FilterGradientStrategy } from '../../../core/backend/kernels/conv2d-backprop-filter';
import { expectClose, randomValues, runKernel, runKernelFunc, sizeOf, valuesOn } from './helpers';

const strategies: FilterGradientStrategy[] = ['dilated-convolution', 'matmul'];

type Pad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;

interface Case {
  batch: number;
  height: number;
  width: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  pad: Pad;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Direct definition of the filter gradient, independent of TensorFlow.js kernels. */
function naiveFilterGradient(c: Case, x: Float32Array, dy: Float32Array, outHeight: number, outWidth: number, padTop: number, padLeft: number): Float32Array {
  const dW = new Float64Array(c.kernel * c.kernel * c.inChannels * c.outChannels);
  for (let n = 0; n < c.batch; n++)
    for (let oh = 0; oh < outHeight; oh++)
      for (let ow = 0; ow < outWidth; ow++)
        for (let i = 0; i < c.kernel; i++)
          for (let j = 0; j < c.kernel; j++) {
            const ih = oh * c.stride + i - padTop;
            const iw = ow * c.stride + j - padLeft;
            if (ih < 0 || ih >= c.height || iw < 0 || iw >= c.width) continue;
            for (let ci = 0; ci < c.inChannels; ci++)
              for (let co = 0; co < c.outChannels; co++)
                dW[((i * c.kernel + j) * c.inChannels + ci) * c.outChannels + co] +=
                  x[((n * c.height + ih) * c.width + iw) * c.inChannels + ci] * dy[((n * outHeight + oh) * outWidth + ow) * c.outChannels + co];
          }
  return Float32Array.from(dW);
}

function geometry(c: Case) {
  const info = tf.backend_util.computeConv2DInfo(
    [c.batch, c.height, c.width, c.inChannels],
    [c.kernel, c.kernel, c.inChannels, c.outChannels],
    c.stride,
    1,
    c.pad,
    c.dimRoundingMode,
  );
  return { outHeight: info.outHeight, outWidth: info.outWidth, padTop: info.padInfo.top, padLeft: info.padInfo.left };
}

async function checkCase(c: Case, seed: number): Promise<void> {
  const g = geometry(c);
  const xShape = [c.batch, c.height, c.width, c.inChannels];
  const dyShape = [c.batch, g.outHeight, g.outWidth, c.outChannels];
  const xValues = randomValues(seed, sizeOf(xShape));
  const dyValues = randomValues(seed + 1, sizeOf(dyShape));
  const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: c.dimRoundingMode, filterShape: [c.kernel, c.kernel, c.inChannels, c.outChannels] };
  const run = (stock: boolean) => () => {
    const x = tf.tensor4d(xValues, xShape as [number, number, number, number]);
    const dy = tf.tensor4d(dyValues, dyShape as [number, number, number, number]);
    return stock ? runStockKernel('Conv2DBackpropFilter', 'cpu', { x, dy }, attrs) : runKernel('Conv2DBackpropFilter', { x, dy }, attrs);
  };
  const expected = naiveFilterGradient(c, xValues, dyValues, g.outHeight, g.outWidth, g.padTop, g.padLeft);
  const label = JSON.stringify(c);
  const stock = await valuesOn('cpu', run(true));
  expectClose(stock.values, expected, 1e-4, `stock cpu ${label}`);
  for (const backendName of ['cpu', 'wasm'] as const) {
    const ours = await valuesOn(backendName, run(false));
    expect(ours.shape).toEqual(attrs.filterShape);
    expectClose(ours.values, expected, 1e-4, `${backendName} ${label}`);
    for (const strategy of strategies) {
      const forced = await valuesOn(backendName, () =>
        runKernelFunc(makeConv2DBackpropFilterKernel(backendName, strategy), { x: tf.tensor(xValues, xShape), dy: tf.tensor(dyValues, dyShape) }, attrs),
      );
      expect(forced.shape).toEqual(attrs.filterShape);
      expectClose(forced.values, expected, 1e-4, `${backendName} ${strategy} ${label}`);
    }
  }
}

beforeAll(async () => {
  await selectBackend('auto');
});

describe('Conv2DBackpropFilter via a dilated stride-1 convolution', () => {
  const pads: Pad[] = [
    0,
    1,
    3,
    'same',
    'valid',
    [
      [0, 0],
      [1, 2],
      [0, 3],
      [0, 0],
    ],
  ];
  for (const kernel of [1, 3, 4, 7]) {
    it(`matches the definition and the stock cpu kernel for a ${kernel}x${kernel} filter, strides 1 and 2, all paddings`, async () => {
      let seed = kernel * 100;
      for (const stride of [1, 2])
        for (const pad of pads)
          for (const batch of [1, 3]) {
            // Odd, non-square sizes make (H + pads - k) % s != 0 for stride 2, so unread rows must be cropped.
            await checkCase({ batch, height: 9, width: 8, inChannels: 3, outChannels: 5, kernel, stride, pad }, seed++);
          }
    });
  }

  it('handles ceil rounding, where the last window hangs past the padded input', async () => {
    await checkCase({ batch: 2, height: 8, width: 7, inChannels: 2, outChannels: 3, kernel: 3, stride: 2, pad: 0, dimRoundingMode: 'ceil' }, 7);
  });

  it('returns zeros when every window lies in the padding', async () => {
    const c: Case = {
      batch: 1,
      height: 1,
      width: 4,
      inChannels: 2,
      outChannels: 2,
      kernel: 1,
      stride: 2,
      pad: [
        [0, 0],
        [5, 0],
        [0, 0],
        [0, 0],
      ],
    };
    await checkCase(c, 11);
  });

  it('accepts NCHW activations on both backends', async () => {
    const nhwc: Case = { batch: 2, height: 7, width: 6, inChannels: 3, outChannels: 4, kernel: 3, stride: 2, pad: 1 };
    const g = geometry(nhwc);
    const xValues = randomValues(21, 2 * 7 * 6 * 3);
    const dyValues = randomValues(22, 2 * g.outHeight * g.outWidth * 4);
    const expected = naiveFilterGradient(nhwc, xValues, dyValues, g.outHeight, g.outWidth, g.padTop, g.padLeft);
    for (const backendName of ['cpu', 'wasm'] as const) {
      const ours = await valuesOn(backendName, () => {
        const x = tf.transpose(tf.tensor4d(xValues, [2, 7, 6, 3]), [0, 3, 1, 2]);
        const dy = tf.transpose(tf.tensor4d(dyValues, [2, g.outHeight, g.outWidth, 4]), [0, 3, 1, 2]);
        return runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 1, dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] });
      });
      expectClose(ours.values, expected, 1e-4, `${backendName} NCHW`);
    }
  });

  it('takes the matmul path on wasm for deep low-resolution layers only', () => {
    const deep = tf.backend_util.computeConv2DInfo([4, 4, 4, 512], [4, 4, 512, 1024], 2, 1, 1);
    const shallow = tf.backend_util.computeConv2DInfo([8, 64, 64, 48], [3, 3, 48, 16], 1, 1, 1);
    expect(chooseFilterGradientStrategy('wasm', deep)).toBe('matmul');
    expect(chooseFilterGradientStrategy('wasm', shallow)).toBe('dilated-convolution');
    expect(chooseFilterGradientStrategy('cpu', deep)).toBe('dilated-convolution');
  });

  it('rejects a dy whose shape does not match the forward convolution', async () => {
    for (const backendName of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backendName);
      const x = tf.zeros([1, 8, 8, 2]);
      const dy = tf.zeros([1, 5, 5, 3]);
      expect(() => runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] })).toThrow(
        /dy has shape \[1, 5, 5, 3\].*produces \[1, 4, 4, 3\]/,
      );
      tf.dispose([x, dy]);
    }
  });
});
