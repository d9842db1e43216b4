import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { installFastKernels, listFastKernels, runStockKernel, stockKernel } from '../../../core/backend/kernels/install';
import { expectClose, randomValues, runKernel, sizeOf, valuesOn } from './helpers';

beforeAll(async () => {
  await selectBackend('auto');
});

describe('installFastKernels', () => {
  it('registers every kernel, keeps the replaced stock ones, and is idempotent', () => {
    installFastKernels();
    installFastKernels();
    const listed = listFastKernels();
    expect(listed.filter((k) => !k.installed)).toEqual([]);
    // Replaced cpu kernels stay reachable; wasm never had these.
    expect(stockKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).toBeTypeOf('function');
    expect(stockKernel('UnsortedSegmentSum', 'cpu')?.kernelFunc).toBeTypeOf('function');
    expect(stockKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(stockKernel('Conv2DBackpropFilter', 'cpu')?.kernelFunc).not.toBe(tf.getKernel('Conv2DBackpropFilter', 'cpu').kernelFunc);
  });
});

describe('depthwise convolution gradients on wasm', () => {
  interface DepthwiseCase {
    batch: number;
    height: number;
    width: number;
    channels: number;
    multiplier: number;
    kernel: number;
    stride: number;
    dilation: number;
    pad: 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
  }

  /** Both gradients straight from the definition of the depthwise convolution. */
  function naiveGradients(c: DepthwiseCase, x: Float32Array, filter: Float32Array, dy: Float32Array, outHeight: number, outWidth: number, padTop: number, padLeft: number) {
    const dFilter = new Float64Array(c.kernel * c.kernel * c.channels * c.multiplier);
    const dInput = new Float64Array(x.length);
    const q = c.channels * c.multiplier;
    for (let n = 0; n < c.batch; n++)
      for (let oh = 0; oh < outHeight; oh++)
        for (let ow = 0; ow < outWidth; ow++)
          for (let i = 0; i < c.kernel; i++)
            for (let j = 0; j < c.kernel; j++) {
              const ih = oh * c.stride - padTop + i * c.dilation;
              const iw = ow * c.stride - padLeft + j * c.dilation;
              if (ih < 0 || ih >= c.height || iw < 0 || iw >= c.width) continue;
              for (let ch = 0; ch < c.channels; ch++)
                for (let m = 0; m < c.multiplier; m++) {
                  const xAt = ((n * c.height + ih) * c.width + iw) * c.channels + ch;
                  const wAt = ((i * c.kernel + j) * c.channels + ch) * c.multiplier + m;
                  const g = dy[((n * outHeight + oh) * outWidth + ow) * q + ch * c.multiplier + m];
                  dFilter[wAt] += x[xAt] * g;
                  dInput[xAt] += filter[wAt] * g;
                }
            }
    return { filter: Float32Array.from(dFilter), input: Float32Array.from(dInput) };
  }

  const cases: DepthwiseCase[] = [
    { batch: 1, height: 7, width: 9, channels: 3, multiplier: 1, kernel: 3, stride: 1, dilation: 1, pad: 'same' },
    { batch: 3, height: 8, width: 7, channels: 2, multiplier: 3, kernel: 4, stride: 2, dilation: 1, pad: 'valid' },
    { batch: 2, height: 9, width: 10, channels: 4, multiplier: 2, kernel: 3, stride: 2, dilation: 1, pad: 1 },
    { batch: 2, height: 11, width: 9, channels: 3, multiplier: 1, kernel: 3, stride: 1, dilation: 2, pad: 'same' },
    { batch: 1, height: 9, width: 8, channels: 2, multiplier: 2, kernel: 5, stride: 1, dilation: 2, pad: [[0, 0], [4, 1], [0, 3], [0, 0]] },
  ];

  for (const c of cases) {
    it(`k${c.kernel} s${c.stride} d${c.dilation} m${c.multiplier} pad ${JSON.stringify(c.pad)} batch ${c.batch} matches the definition`, async () => {
      const xShape: [number, number, number, number] = [c.batch, c.height, c.width, c.channels];
      const filterShape: [number, number, number, number] = [c.kernel, c.kernel, c.channels, c.multiplier];
      const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, c.stride, c.dilation, c.pad, undefined, true);
      const dyShape = [c.batch, info.outHeight, info.outWidth, c.channels * c.multiplier];
      const x = randomValues(1, sizeOf(xShape));
      const filter = randomValues(2, sizeOf(filterShape));
      const dy = randomValues(3, sizeOf(dyShape));
      const expected = naiveGradients(c, x, filter, dy, info.outHeight, info.outWidth, info.padInfo.top, info.padInfo.left);
      const common = { strides: c.stride, dilations: c.dilation, pad: c.pad };
      const filterGrad = () =>
        runKernel('DepthwiseConv2dNativeBackpropFilter', { x: tf.tensor(x, xShape), dy: tf.tensor(dy, dyShape) }, { ...common, filterShape });
      const inputGrad = () =>
        runKernel('DepthwiseConv2dNativeBackpropInput', { dy: tf.tensor(dy, dyShape), filter: tf.tensor(filter, filterShape) }, { ...common, inputShape: xShape });
      // The stock cpu kernels ignore dilation, so they are a second reference only without it.
      const backends = c.dilation === 1 ? (['wasm', 'cpu'] as const) : (['wasm'] as const);
      for (const backendName of backends) {
        const dFilter = await valuesOn(backendName, filterGrad);
        const dInput = await valuesOn(backendName, inputGrad);
        expect(dFilter.shape).toEqual(filterShape);
        expect(dInput.shape).toEqual(xShape);
        expectClose(dFilter.values, expected.filter, 1e-4, `${backendName} filter gradient`);
        expectClose(dInput.values, expected.input, 1e-4, `${backendName} input gradient`);
      }
    });
  }
});

describe('UnsortedSegmentSum', () => {
  function naive(x: Float32Array, ids: number[], rowSize: number, numSegments: number): Float32Array {
    const out = new Float32Array(numSegments * rowSize);
    ids.forEach((segment, row) => {
      if (segment < 0) return;
      for (let k = 0; k < rowSize; k++) out[segment * rowSize + k] += x[row * rowSize + k];
    });
    return out;
  }

  it('sums rows per segment on cpu and wasm, like the stock cpu kernel, dropping negative ids', async () => {
    const ids = [3, 0, 3, -1, 5, 0, 3];
    const xShape = [7, 2, 3];
    const x = randomValues(4, sizeOf(xShape));
    const expected = naive(x, ids, 6, 6);
    const compute = () => runKernel('UnsortedSegmentSum', { x: tf.tensor(x, xShape), segmentIds: tf.tensor1d(ids, 'int32') }, { numSegments: 6 });
    for (const backendName of ['cpu', 'wasm'] as const) {
      const actual = await valuesOn(backendName, compute);
      expect(actual.shape).toEqual([6, 2, 3]);
      expectClose(actual.values, expected, 1e-6, backendName);
    }
    const nonNegative = ids.map((id) => Math.max(id, 0));
    const stock = await valuesOn('cpu', () =>
      runStockKernel('UnsortedSegmentSum', 'cpu', { x: tf.tensor(x, xShape), segmentIds: tf.tensor1d(nonNegative, 'int32') }, { numSegments: 6 }),
    );
    expectClose(stock.values, naive(x, nonNegative, 6, 6), 1e-6, 'stock cpu');
  });

  it('supports 2-D segment ids and int32 data', async () => {
    const ids = [
      [1, 0],
      [1, 1],
    ];
    for (const backendName of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backendName);
      const out = runKernel('UnsortedSegmentSum', { x: tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], 'int32'), segmentIds: tf.tensor2d(ids, [2, 2], 'int32') }, { numSegments: 3 });
      expect(out.dtype).toBe('int32');
      expect(out.shape).toEqual([3, 2]);
      expect(Array.from(out.dataSync())).toEqual([3, 4, 1 + 5 + 7, 2 + 6 + 8, 0, 0]);
    }
  });

  it('names the offending id when one is out of range', async () => {
    await tf.setBackend('wasm');
    expect(() => runKernel('UnsortedSegmentSum', { x: tf.ones([2, 3]), segmentIds: tf.tensor1d([0, 4], 'int32') }, { numSegments: 2 })).toThrow(
      /segment id 4 at position 1 is not below numSegments 2/,
    );
  });
});

describe('resize gradients are the exact adjoint of the forward resize', () => {
  // For a linear map R, <R x, w> = <x, R^T w> for all x, w; R^T w is what the gradient kernel computes.
  const modes = [
    { alignCorners: false, halfPixelCenters: false },
    { alignCorners: true, halfPixelCenters: false },
    { alignCorners: false, halfPixelCenters: true },
  ];
  const sizes: [number, number, [number, number]][] = [
    [4, 6, [8, 12]],
    [5, 3, [9, 7]],
    [7, 6, [3, 4]],
  ];
  for (const method of ['bilinear', 'nearest'] as const) {
    it(`${method}, for up- and down-sampling, H != W, batch 2, all corner modes`, async () => {
      for (const backendName of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backendName);
        let seed = 30;
        for (const mode of modes)
          for (const [height, width, size] of sizes) {
            const x = tf.tensor4d(randomValues(seed++, 2 * height * width * 3), [2, height, width, 3]);
            const w = tf.tensor4d(randomValues(seed++, 2 * size[0] * size[1] * 3), [2, size[0], size[1], 3]);
            const resize = (t: tf.Tensor4D) =>
              method === 'bilinear'
                ? tf.image.resizeBilinear(t, size, mode.alignCorners, mode.halfPixelCenters)
                : tf.image.resizeNearestNeighbor(t, size, mode.alignCorners, mode.halfPixelCenters);
            const lhs = tf.sum(tf.mul(resize(x), w));
            const gradient = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(resize(t as tf.Tensor4D), w)))(x);
            expect(gradient.shape).toEqual(x.shape);
            const rhs = tf.sum(tf.mul(x, gradient));
            const label = `${backendName} ${method} ${JSON.stringify(mode)} ${height}x${width}->${size}`;
            expectClose(rhs.dataSync(), lhs.dataSync(), 1e-5, label);
            tf.dispose([x, w, lhs, gradient, rhs]);
          }
      }
    });
  }
});

describe('BatchMatMul on wasm transposes operands explicitly', () => {
  it('matches cpu for every transpose combination, with batch broadcasting', async () => {
    const cases: { a: number[]; b: number[] }[] = [
      { a: [5, 7], b: [7, 3] },
      { a: [2, 5, 7], b: [7, 3] },
      { a: [4, 1, 5, 7], b: [3, 7, 6] },
    ];
    let seed = 200;
    for (const { a, b } of cases)
      for (const transposeA of [false, true])
        for (const transposeB of [false, true]) {
          // Swap the stored layout so that the transposed product is defined.
          const aShape = transposeA ? [...a.slice(0, -2), a[a.length - 1], a[a.length - 2]] : a;
          const bShape = transposeB ? [...b.slice(0, -2), b[b.length - 1], b[b.length - 2]] : b;
          const aValues = randomValues(seed++, sizeOf(aShape));
          const bValues = randomValues(seed++, sizeOf(bShape));
          const product = () => tf.matMul(tf.tensor(aValues, aShape), tf.tensor(bValues, bShape), transposeA, transposeB);
          const expected = await valuesOn('cpu', product);
          const actual = await valuesOn('wasm', product);
          const label = JSON.stringify({ aShape, bShape, transposeA, transposeB });
          expect(actual.shape, label).toEqual(expected.shape);
          expectClose(actual.values, expected.values, 1e-5, label);
        }
  });
});

describe('GatherV2 on wasm copies rows', () => {
  it('matches cpu along every axis, with batchDims, short and long rows, float32, int32 and bool', async () => {
    const x = randomValues(300, 3 * 4 * 70);
    const cases: { axis: number; batchDims: number; indices: number[][] | number[]; shape: number[] }[] = [
      { axis: 0, batchDims: 0, indices: [2, 0, 2, 1], shape: [3, 4, 70] },
      { axis: 1, batchDims: 0, indices: [[3, 0], [1, 1]], shape: [3, 4, 70] },
      { axis: 2, batchDims: 0, indices: [69, 0, 5], shape: [3, 4, 70] },
      { axis: 1, batchDims: 1, indices: [[0, 3], [2, 2], [1, 0]], shape: [3, 4, 70] },
      { axis: 1, batchDims: 0, indices: [3, 0, 2], shape: [3, 4, 7, 10] },
    ];
    for (const { axis, batchDims, indices, shape } of cases)
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const values = dtype === 'float32' ? x : Int32Array.from(x, (v) => (dtype === 'bool' ? Number(v > 0) : Math.round(v * 100)));
        const gathered = () => tf.gather(tf.tensor(values, shape, dtype), tf.tensor(indices, undefined, 'int32'), axis, batchDims);
        const label = JSON.stringify({ axis, batchDims, dtype, shape });
        const expected = await valuesOn('cpu', gathered);
        await tf.setBackend('wasm');
        const result = tf.tidy(gathered);
        expect(result.dtype, label).toBe(dtype);
        expect(result.shape, label).toEqual(expected.shape);
        expect(Array.from(result.dataSync()), label).toEqual(Array.from(expected.values));
        result.dispose();
      }
  });

  it('names an out-of-range index', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.gather(tf.ones([3, 2]), tf.tensor1d([0, 3], 'int32'))).toThrow(/index 3 at position 1 is outside \[0, 2\]/);
  });
});

describe('Identity on wasm shares the buffer', () => {
  it('clones without copying, and each tensor keeps its values until the last one is disposed', async () => {
    await tf.setBackend('wasm');
    const before = tf.backend().numDataIds();
    const original = tf.tensor([1, 2, 3, 4], [2, 2]);
    const clone = tf.clone(original);
    expect(tf.backend().numDataIds()).toBe(before + 1);
    original.dispose();
    expect(Array.from(clone.dataSync())).toEqual([1, 2, 3, 4]);
    clone.dispose();
    expect(tf.backend().numDataIds()).toBe(before);
  });
});

describe('Concat, SplitV and Cast on wasm', () => {
  it('concatenates and splits along every axis like cpu, for float32, int32 and bool, short and long rows', async () => {
    const shapes = [
      [2, 3, 5, 70],
      [2, 3, 5, 1],
    ];
    let seed = 400;
    for (const shape of shapes)
      for (let axis = 0; axis < 4; axis++)
        for (const dtype of ['float32', 'int32', 'bool'] as const) {
          const other = [...shape];
          other[axis] += 2;
          const valuesFor = (s: number[]) => {
            const v = randomValues(seed++, sizeOf(s));
            return dtype === 'float32' ? v : Int32Array.from(v, (u) => (dtype === 'bool' ? Number(u > 0) : Math.round(u * 100)));
          };
          const aValues = valuesFor(shape);
          const bValues = valuesFor(other);
          const a = () => tf.tensor(aValues, shape, dtype);
          const b = () => tf.tensor(bValues, other, dtype);
          const empty = () => tf.zeros(shape.map((s, i) => (i === axis ? 0 : s)), dtype);
          const label = JSON.stringify({ shape, axis, dtype });
          const sizes = [shape[axis], 1, -1];
          const split = (t: tf.Tensor) => tf.split(t, sizes, axis);
          await tf.setBackend('cpu');
          const expectedJoined = tf.concat([a(), empty(), b()], axis);
          const onCpu = {
            joined: Array.from(expectedJoined.dataSync()),
            shape: expectedJoined.shape,
            parts: split(expectedJoined).map((p) => ({ shape: p.shape, values: Array.from(p.dataSync()) })),
          };
          await tf.setBackend('wasm');
          const joined = tf.concat([a(), empty(), b()], axis);
          expect(joined.dtype, label).toBe(dtype);
          expect(joined.shape, label).toEqual(onCpu.shape);
          expect(Array.from(joined.dataSync()), label).toEqual(onCpu.joined);
          const parts = split(joined);
          expect(parts.map((p) => ({ shape: p.shape, values: Array.from(p.dataSync()) })), label).toEqual(onCpu.parts);
        }
  });

  it('shares the buffer on a cast to the same dtype and converts otherwise, to bool by testing for non-zero', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor([1.5, -2.25, 0], [3]);
    const before = tf.backend().numDataIds();
    const same = tf.cast(x, 'float32');
    expect(tf.backend().numDataIds()).toBe(before);
    x.dispose();
    expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 0]);
    expect(Array.from(tf.cast(same, 'int32').dataSync())).toEqual([1, -2, 0]);
    expect(Array.from(tf.cast(same, 'bool').dataSync())).toEqual([1, 1, 0]);
    expect(Array.from(tf.cast(tf.tensor([256, -1, 0], [3], 'int32'), 'bool').dataSync())).toEqual([1, 1, 0]);
    same.dispose();
  });
});
