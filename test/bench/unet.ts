/**
 * Benchmark (not a test): trains the pix2pix-style U-Net template (64×64,
 * batch 4, Adam, L1) built as a graph, and the same network hand-written in
 * tfjs, on every backend available here; prints ms/step and the ratio.
 * Targets: graph / hand-written ≤ 1.05; wasm ≥ 20× faster than the stock
 * cpu backend (its pathological conv filter gradient restored for the run).
 *
 *   npx tsx test/bench/unet.ts [--steps N] [--backends wasm,cpu,cpu-stock]
 */
import { parseArgs } from 'node:util';
import { tf } from '../../core/tf';
import { selectBackend } from '../../core/backend/select';
import { stockKernel } from '../../core/backend/kernels/install';
import { TrainingSession } from '../../core/train/session';
import { makeBatch, openDataset } from '../../core/data/batch';
import { datasetFieldsUsed } from '../../core/train/trainer';
import { findTemplate } from '../../nodes/templates';
import { buildHandwrittenUnet } from './handwritten-unet';
import { library } from '../library';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    backends: { type: 'string', default: 'wasm,cpu,cpu-stock' },
    ngf: { type: 'string' },
  },
});
const steps = Number(values.steps);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function graphDocument() {
  const graph = findTemplate('edges-to-image-unet')!.build();
  return graph;
}

function timeGraph(stepCount: number): number {
  const graph = graphDocument();
  const session = TrainingSession.compile(graph, { registries: library });
  const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
  const fields = datasetFieldsUsed(graph, library);
  const times: number[] = [];
  for (let step = 0; step < stepCount + 1; step++) {
    const batch = makeBatch(source, [0, 1, 2, 3].map((i) => step * 4 + i), fields);
    const start = performance.now();
    session.step(batch, step);
    const elapsed = performance.now() - start;
    if (step > 0) times.push(elapsed); // the first step includes kernel warm-up
    tf.dispose(Object.values(batch));
  }
  session.dispose();
  return median(times);
}

function timeHandwritten(stepCount: number): number {
  const graph = graphDocument();
  const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
  const net = buildHandwrittenUnet({ size: 64, inChannels: 1, outChannels: 3, ngf: 64 });
  const times: number[] = [];
  for (let step = 0; step < stepCount + 1; step++) {
    const batch = makeBatch(source, [0, 1, 2, 3].map((i) => step * 4 + i), ['edges', 'image']);
    const start = performance.now();
    net.step(batch.edges as tf.Tensor4D, batch.image as tf.Tensor4D);
    const elapsed = performance.now() - start;
    if (step > 0) times.push(elapsed);
    tf.dispose(Object.values(batch));
  }
  net.dispose();
  return median(times);
}

/** Puts tfjs's own cpu filter gradient back for one measurement ("today's cpu backend"). */
async function withStockCpuKernels<T>(fn: () => T): Promise<T> {
  const stock = stockKernel('Conv2DBackpropFilter', 'cpu');
  if (!stock) throw new Error('stock cpu Conv2DBackpropFilter not recorded');
  const ours = tf.getKernel('Conv2DBackpropFilter', 'cpu')!;
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel(stock);
  try {
    return fn();
  } finally {
    tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
    tf.registerKernel(ours);
  }
}

async function main() {
  const results: { backend: string; graph?: number; handwritten?: number }[] = [];
  for (const name of values.backends!.split(',')) {
    if (name === 'cpu-stock') {
      await selectBackend('cpu');
      // One step is enough: it takes tens of seconds.
      const ms = await withStockCpuKernels(() => timeGraph(1));
      results.push({ backend: 'cpu (stock tfjs kernels)', graph: ms });
      console.log(`cpu-stock: graph ${ms.toFixed(0)} ms/step`);
      continue;
    }
    const choice = await selectBackend(name as 'wasm' | 'cpu' | 'node' | 'node-gpu');
    // Alternate the two so neither always runs on a warmer (or more fragmented) heap.
    const graphTimes: number[] = [];
    const handTimes: number[] = [];
    for (let round = 0; round < 2; round++) {
      graphTimes.push(timeGraph(steps));
      handTimes.push(timeHandwritten(steps));
    }
    const graph = Math.min(...graphTimes);
    const handwritten = Math.min(...handTimes);
    results.push({ backend: choice.name, graph, handwritten });
    console.log(`${choice.name}: graph ${graph.toFixed(0)} ms/step, hand-written ${handwritten.toFixed(0)} ms/step, ratio ${(graph / handwritten).toFixed(3)}`);
  }
  console.log('\n| backend | graph ms/step | hand-written ms/step | graph / hand-written |');
  console.log('|---|---|---|---|');
  for (const r of results) {
    console.log(`| ${r.backend} | ${r.graph?.toFixed(0) ?? '—'} | ${r.handwritten?.toFixed(0) ?? '—'} | ${r.graph && r.handwritten ? (r.graph / r.handwritten).toFixed(3) : '—'} |`);
  }
  const wasm = results.find((r) => r.backend === 'wasm');
  const stock = results.find((r) => r.backend.startsWith('cpu (stock'));
  if (wasm?.graph && stock?.graph) console.log(`\nwasm is ${(stock.graph / wasm.graph).toFixed(1)}× faster than the stock cpu backend (target ≥ 20×)`);
}

await main();
