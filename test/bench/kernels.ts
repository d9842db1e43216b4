/**
 * Times the training kernels we replace or add (core/backend/kernels), against
 * the stock TensorFlow.js kernels where those exist. Not a test: run with
 *   npx tsx test/bench/kernels.ts
 * The headline case is pix2pix's first down-sampling conv at batch 4:
 * 4x32x32x32 input, 4x4 stride-2 padding-1 conv to 64 channels.
 */
import { tf } from '../../core/tf';
import { selectBackend } from '../../core/backend/select';
import { runStockKernel } from '../../core/backend/kernels/install';

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
  }

  console.log(`backends: cpu (${cpu.reason}) / wasm (${wasm.reason})`);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, ms] of rows) console.log(`${label.padEnd(width)}  ${ms.toFixed(1).padStart(8)} ms`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
