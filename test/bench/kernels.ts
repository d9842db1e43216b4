/**
 * Times the training kernels we replace or add (core/backend/kernels), against
 * the stock TensorFlow.js kernels where those exist. Not a test: run with
 *   npx tsx test/bench/kernels.ts
 * The headline case is pix2pix's first down-sampling conv at batch 4:
 * 4x32x32x32 input, 4x4 stride-2 padding-1 conv to 64 channels. The wasm
 * section adds the kernels a U-Net step leans on: transposed convs / input
 * gradients at high and low resolution, a 512-channel conv on a 4x4 map,
 * transposed matMuls, gathers, concat/split and bilinear upsampling.
 */
import { tf } from '../../core/tf';
import { selectBackend } from '../../core/backend/select';
import { runStockKernel } from '../../core/backend/kernels/install';
import { bilinearResizeWith, interpolationMatrices, type BilinearMethod } from '../../core/ops/resize';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median wall time of `run` in ms, after one warm-up call; `run` returns tensors to read back and dispose. */
function time(repeats: number, run: () => tf.Tensor): number {
  const once = () => {
    const start = performance.now();
    const out = run();
    out.dataSync();
    const elapsed = performance.now() - start;
    out.dispose();
    return elapsed;
  };
  once();
  return median(Array.from({ length: repeats }, once));
}

const pad: tf.backend_util.ExplicitPadding = [
  [0, 0],
  [1, 1],
  [1, 1],
  [0, 0],
];
const filterShape: [number, number, number, number] = [4, 4, 32, 64];
const convAttrs = { strides: 2, pad, dataFormat: 'NHWC', filterShape };

function inputs() {
  const x = tf.randomUniform([4, 32, 32, 32], -1, 1, 'float32', 1) as tf.Tensor4D;
  const filter = tf.randomUniform(filterShape, -1, 1, 'float32', 2) as tf.Tensor4D;
  const dy = tf.randomUniform([4, 16, 16, 64], -1, 1, 'float32', 3) as tf.Tensor4D;
  return { x, filter, dy };
}

function filterGradient(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, convAttrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Conv2DBackpropInput for a forward conv of x [n, h, w, ci] by filter [k, k, ci, co], stride s, padding p. */
function inputGradient(x: number[], k: number, co: number, s: number, p: number, stock: boolean): () => tf.Tensor {
  const [n, h, w, ci] = x;
  const pad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ];
  const info = tf.backend_util.computeConv2DInfo([n, h, w, ci], [k, k, ci, co], s, 1, pad);
  const dy = tf.randomUniform([n, info.outHeight, info.outWidth, co], -1, 1, 'float32', 8);
  const filter = tf.randomUniform([k, k, ci, co], -1, 1, 'float32', 9);
  const attrs = { strides: s, pad, dataFormat: 'NHWC', inputShape: x };
  return () =>
    stock
      ? runStockKernel('Conv2DBackpropInput', 'wasm', { dy, filter }, attrs)
      : (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
}

/**
 * A forward conv whose filter is new on every call, as after every optimizer
 * step (XNNPACK caches a packed filter per tensor). Both variants pay the same
 * negation that makes the new filter.
 */
function freshFilterConv(x: number[], k: number, co: number, s: number, stock: boolean): () => tf.Tensor {
  const input = tf.randomUniform(x, -1, 1, 'float32', 10);
  const weights = tf.randomUniform([k, k, x[3], co], -1, 1, 'float32', 11);
  const attrs = { strides: s, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
  return () => {
    const filter = tf.neg(weights);
    const y = stock ? runStockKernel('Conv2D', 'wasm', { x: input, filter }, attrs) : (tf.engine().runKernel('Conv2D', { x: input, filter }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
    filter.dispose();
    return y;
  };
}

function transposedMatMul(stock: boolean): () => tf.Tensor {
  const a = tf.randomUniform([256, 512], -1, 1, 'float32', 12);
  const b = tf.randomUniform([256, 512], -1, 1, 'float32', 13);
  const attrs = { transposeA: true, transposeB: false };
  return () => (stock ? runStockKernel('BatchMatMul', 'wasm', { a, b }, attrs) : tf.matMul(a, b, true, false));
}

function bilinearUpsampleStep(method: BilinearMethod): () => tf.Tensor {
  const x = tf.randomUniform([8, 32, 32, 32], -1, 1, 'float32', 14) as tf.Tensor4D;
  const weights = tf.randomUniform([8, 64, 64, 32], -1, 1, 'float32', 15);
  const { rows, cols, mapping } = interpolationMatrices([32, 32], [64, 64], false);
  const matrices = method === 'matmul' ? { rows, cols } : { rows, cols, mapping };
  return () => tf.grad((t) => tf.sum(tf.mul(bilinearResizeWith(t as tf.Tensor4D, matrices, method), weights)))(x);
}

function segmentSum(rows: number, numSegments: number, stock: boolean): () => tf.Tensor {
  const x = tf.randomUniform([rows, 64], -1, 1, 'float32', 4);
  const ids = tf.randomUniform([rows], 0, numSegments, 'int32', 5);
  return () =>
    stock
      ? runStockKernel('UnsortedSegmentSum', 'cpu', { x, segmentIds: ids }, { numSegments })
      : (tf.engine().runKernel('UnsortedSegmentSum', { x, segmentIds: ids }, { numSegments }) as tf.Tensor);
}

async function main(): Promise<void> {
  const rows: [string, number][] = [];

  const cpu = await selectBackend('cpu');
  {
    const { x, filter, dy } = inputs();
    rows.push(['cpu   forward conv2d', time(5, () => tf.conv2d(x, filter, 2, pad))]);
    rows.push(['cpu   filter gradient, stock tfjs kernel', time(2, () => runStockKernel('Conv2DBackpropFilter', 'cpu', { x, dy }, convAttrs))]);
    rows.push(['cpu   filter gradient, ours', time(5, () => filterGradient(x, dy))]);
    // The stock kernel costs segments x rows (~25 s for the 2048 -> 1024 case), so it gets a smaller one.
    rows.push(['cpu   UnsortedSegmentSum 1024x64 -> 256, stock', time(1, segmentSum(1024, 256, true))]);
    rows.push(['cpu   UnsortedSegmentSum 1024x64 -> 256, ours', time(5, segmentSum(1024, 256, false))]);
    rows.push(['cpu   UnsortedSegmentSum 2048x64 -> 1024, ours', time(5, segmentSum(2048, 1024, false))]);
  }

  const wasm = await selectBackend('wasm');
  {
    const { x, filter, dy } = inputs();
    rows.push(['wasm  forward conv2d', time(10, () => tf.conv2d(x, filter, 2, pad))]);
    rows.push(['wasm  filter gradient, ours (stock: none)', time(10, () => filterGradient(x, dy))]);
    const depthwiseX = tf.randomUniform([4, 32, 32, 64], -1, 1, 'float32', 6) as tf.Tensor4D;
    const depthwiseFilter = tf.randomUniform([3, 3, 64, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
    rows.push([
      'wasm  depthwise 3x3 s1 on 4x32x32x64, both gradients, ours',
      time(10, () => tf.addN(tf.grads((a, b) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([depthwiseX, depthwiseFilter]).map((g) => tf.sum(g)))),
    ]);
    rows.push(['wasm  UnsortedSegmentSum 2048x64 -> 1024, ours (stock: none)', time(10, segmentSum(2048, 1024, false))]);
    for (const stock of [true, false]) {
      const who = stock ? 'stock' : 'ours';
      rows.push([`wasm  input gradient 3x3 s1, 8x64x64x32 <- 16 channels, ${who}`, time(5, inputGradient([8, 64, 64, 32], 3, 16, 1, 1, stock))]);
      rows.push([`wasm  transposed conv 4x4 s2, 4x16x16x256 -> 4x32x32x64, ${who}`, time(5, inputGradient([4, 32, 32, 64], 4, 256, 2, 1, stock))]);
      rows.push([`wasm  transposed conv 4x4 s2, 4x2x2x1024 -> 4x4x4x512, ${who}`, time(5, inputGradient([4, 4, 4, 512], 4, 1024, 2, 1, stock))]);
      rows.push([`wasm  conv 4x4 s2 4x4x4x512 -> 1024 channels, new filter, ${who}`, time(5, freshFilterConv([4, 4, 4, 512], 4, 1024, 2, stock))]);
      rows.push([`wasm  conv 3x3 s1 8x64x64x48 -> 16 channels, new filter, ${who}`, time(5, freshFilterConv([8, 64, 64, 48], 3, 16, 1, stock))]);
      rows.push([`wasm  matMul 256x512 transposeA, ${who}`, time(10, transposedMatMul(stock))]);
    }
    for (const method of ['matmul', 'gather', 'kernel'] as const) {
      rows.push([`wasm  bilinear x2 8x32x32x32, forward + gradient, ${method}`, time(5, bilinearUpsampleStep(method))]);
    }
  }

  console.log(`backends: cpu (${cpu.reason}) / wasm (${wasm.reason})`);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, ms] of rows) console.log(`${label.padEnd(width)}  ${ms.toFixed(1).padStart(8)} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
