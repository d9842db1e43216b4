import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import { selectBackend } from '../../../core/backend/select';
import {
  bilinearResize,
  bilinearResizeWith,
  defaultBilinearMethod,
  interpolationMatrices,
  interpolationMatrix,
  interpolationTaps,
  nearestUpsample,
  type BilinearMethod,
} from '../../../core/ops/resize';
import { expectClose } from '../../nodes/harness';
import { array4, dot, naiveBilinear, numericGradient } from './reference';

beforeAll(async () => {
  // Installs our kernels (the exact ResizeBilinearGrad among them) and leaves cpu active.
  await selectBackend('wasm');
  await tf.setBackend('cpu');
});

const rng = new Rng(3);
const randomArray = (size: number) => rng.fillNormal(new Float32Array(size), 0, 1);

describe('interpolationMatrix', () => {
  it('2→4 with align_corners=False gives PyTorch\'s 0, ¼, ¾, 1 pattern', () => {
    expect(Array.from(interpolationMatrix(2, 4, false))).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
    expect(Array.from(bilinearResize(tf.tensor4d([0, 1], [1, 1, 2, 1]), [1, 4]).dataSync())).toEqual([0, 0.25, 0.75, 1]);
  });

  it('2→4 with align_corners=True spaces the corners evenly', () => {
    const m = interpolationMatrix(2, 4, true);
    expectClose(m, [1, 0, 2 / 3, 1 / 3, 1 / 3, 2 / 3, 0, 1], 1e-6);
  });

  it('rows sum to one, also when shrinking', () => {
    for (const [a, b, align] of [[5, 3, false], [3, 7, true], [4, 1, false], [1, 3, false]] as const) {
      const m = interpolationMatrix(a, b, align);
      for (let r = 0; r < b; r++) expect(m.slice(r * a, (r + 1) * a).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    }
  });
});

describe('interpolationTaps', () => {
  it('is the sparse form of interpolationMatrix', () => {
    for (const [a, b, align] of [[2, 4, false], [5, 3, false], [3, 7, true], [4, 1, false], [1, 3, true], [6, 6, false]] as const) {
      const { lo, hi, frac } = interpolationTaps(a, b, align);
      const dense = new Float32Array(a * b);
      for (let r = 0; r < b; r++) {
        dense[r * a + lo[r]] += 1 - frac[r];
        dense[r * a + hi[r]] += frac[r];
      }
      expect(Array.from(dense)).toEqual(Array.from(interpolationMatrix(a, b, align)));
    }
  });
});

describe('bilinearResize', () => {
  const sizes = [
    { h: 3, w: 5, outH: 6, outW: 10, align: false },
    { h: 4, w: 2, outH: 7, outW: 5, align: false },
    { h: 3, w: 5, outH: 6, outW: 10, align: true },
    { h: 5, w: 4, outH: 3, outW: 2, align: false },
    { h: 5, w: 4, outH: 3, outW: 9, align: true },
    { h: 1, w: 3, outH: 2, outW: 1, align: true },
  ];
  const methods: BilinearMethod[] = ['kernel', 'gather', 'matmul'];

  /** Every method, on both CPU backends; 'matmul' is what hand-made matrices (no mapping) get. */
  function resize(x: tf.Tensor4D, outH: number, outW: number, align: boolean, method: BilinearMethod): tf.Tensor4D {
    const { rows, cols, mapping } = interpolationMatrices([x.shape[1], x.shape[2]], [outH, outW], align);
    const y = bilinearResizeWith(x, method === 'matmul' ? { rows, cols } : { rows, cols, mapping }, method);
    if (method !== 'matmul') expect(Array.from(bilinearResize(x, [outH, outW], align, method).dataSync())).toEqual(Array.from(y.dataSync()));
    return y;
  }

  it.each(['cpu', 'wasm'])('matches upsample_bilinear2d with every method on %s', async (backendName) => {
    await tf.setBackend(backendName);
    for (const { h, w, outH, outW, align } of sizes) {
      const data = randomArray(2 * h * w * 3);
      const expected = naiveBilinear(array4(data, [2, h, w, 3]), outH, outW, align);
      for (const method of methods) {
        const y = tf.tidy(() => resize(tf.tensor4d(data, [2, h, w, 3]), outH, outW, align, method));
        expect(y.shape).toEqual(expected.shape);
        expectClose(y.dataSync(), expected.data, 1e-5);
        y.dispose();
      }
    }
  });

  it.each(['cpu', 'wasm'])('has the transpose of the interpolation as gradient with every method on %s (H ≠ W, both corner modes)', async (backendName) => {
    await tf.setBackend(backendName);
    for (const { h, w, outH, outW, align } of sizes.slice(0, 5)) {
      const shape: [number, number, number, number] = [2, h, w, 2];
      const data = randomArray(2 * h * w * 2);
      const r = randomArray(2 * outH * outW * 2);
      const numeric = numericGradient((v) => dot(naiveBilinear(array4(v, shape), outH, outW, align).data, r), data);
      for (const method of methods) {
        const g = tf.tidy(() =>
          tf.grad((x) => tf.sum(tf.mul(resize(x as tf.Tensor4D, outH, outW, align, method), tf.tensor4d(r, [2, outH, outW, 2]))))(tf.tensor4d(data, shape)),
        );
        expect(g.shape).toEqual(shape);
        expectClose(g.dataSync(), numeric, 1e-4);
        g.dispose();
      }
    }
  });

  it('uses the resize kernel exactly where its gradient is ours', async () => {
    for (const backendName of ['cpu', 'wasm']) {
      await tf.setBackend(backendName);
      expect(defaultBilinearMethod()).toBe('kernel');
    }
    await tf.setBackend('cpu');
  });
});

describe('nearestUpsample', () => {
  it('repeats every pixel in an s×s block and sums blocks in the gradient', () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    const y = nearestUpsample(x, 2);
    expect(y.shape).toEqual([1, 4, 6, 1]);
    expect(Array.from(y.dataSync())).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6]);
    const weights = tf.tensor4d(Float32Array.from({ length: 24 }, (_, i) => i), [1, 4, 6, 1]);
    const g = tf.grad((t) => tf.sum(tf.mul(nearestUpsample(t as tf.Tensor4D, 2), weights)))(x);
    // Block (i, j) covers output rows 2i, 2i+1 and columns 2j, 2j+1.
    const expected = [0, 1, 2, 3, 4, 5].map((k) => {
      const i = Math.floor(k / 3);
      const j = k % 3;
      return [0, 1].flatMap((dy) => [0, 1].map((dx) => (2 * i + dy) * 6 + 2 * j + dx)).reduce((s, v) => s + v, 0);
    });
    expect(Array.from(g.dataSync())).toEqual(expected);
  });

  it('keeps channels apart and supports different factors per axis, in value and gradient', () => {
    const data = randomArray(2 * 2 * 2 * 3);
    const y = nearestUpsample(tf.tensor4d(data, [2, 2, 2, 3]), [3, 2]);
    expect(y.shape).toEqual([2, 6, 4, 3]);
    const v = y.dataSync();
    // Output (n, y, x, c) = input (n, ⌊y/3⌋, ⌊x/2⌋, c), PyTorch's nearest rule for integer factors.
    for (let n = 0; n < 2; n++)
      for (let yy = 0; yy < 6; yy++)
        for (let xx = 0; xx < 4; xx++)
          for (let c = 0; c < 3; c++) {
            expect(v[((n * 6 + yy) * 4 + xx) * 3 + c]).toBe(data[((n * 2 + Math.floor(yy / 3)) * 2 + Math.floor(xx / 2)) * 3 + c]);
          }
    const r = randomArray(2 * 6 * 4 * 3);
    const g = tf.grad((t) => tf.sum(tf.mul(nearestUpsample(t as tf.Tensor4D, [3, 2]), tf.tensor4d(r, [2, 6, 4, 3]))))(tf.tensor4d(data, [2, 2, 2, 3]));
    const expected = new Float64Array(data.length);
    for (let n = 0; n < 2; n++)
      for (let yy = 0; yy < 6; yy++)
        for (let xx = 0; xx < 4; xx++)
          for (let c = 0; c < 3; c++) expected[((n * 2 + Math.floor(yy / 3)) * 2 + Math.floor(xx / 2)) * 3 + c] += r[((n * 6 + yy) * 4 + xx) * 3 + c];
    expectClose(g.dataSync(), expected, 1e-5);
  });
});
