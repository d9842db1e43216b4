/**
 * Benchmark (not a test): ms per training step of each generative template
 * at its default size, on the wasm backend (or --backend), over every
 * optimizer of the step (a GAN step is D's and G's updates together).
 *
 *   npx tsx test/bench/generative.ts [--steps N] [--backend wasm|cpu] [--templates cgan,pix2pix]
 *
 * With --cgan-quality N it instead trains the cGAN template for N steps and
 * every 500 reports how often its samples, per conditioning class, are
 * classified as that class by a fixed shape measurement (chance: 1/3).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { tf } from '../../core/tf';
import { selectBackend } from '../../core/backend/select';
import { TrainingSession } from '../../core/train/session';
import { batchIndices, makeBatch, openDataset } from '../../core/data/batch';
import { datasetFieldsUsed } from '../../core/train/trainer';
import { findTemplate } from '../../nodes/templates';
import { StepExecutor } from '../../core/compile/executor';
import type { GraphDocument } from '../../core/graph/schema';
import type { DatasetSource } from '../../core/data/dataset-api';
import { library } from '../library';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '6' },
    backend: { type: 'string', default: 'wasm' },
    templates: { type: 'string', default: 'cgan,pix2pix,cyclegan,perceptual-style' },
    'cgan-quality': { type: 'string', default: '0' },
  },
  strict: false,
});

/**
 * Area over squared radius of the one shape on a flat background: π for a
 * disc, 2 for a square, 1.3 for a triangle, whatever the rotation, colour or
 * place. The background is the median border colour; the radius is the 95th
 * percentile of foreground distances from their centroid, so a few stray
 * pixels don't decide it. Undefined when nothing stands out.
 */
export function shapeCompactness(image: Float32Array, size: number): number | undefined {
  const border: number[][] = [[], [], []];
  for (let i = 0; i < size; i++) {
    for (const p of [i * size, i * size + size - 1, i, (size - 1) * size + i]) for (let c = 0; c < 3; c++) border[c].push(image[p * 3 + c]);
  }
  const background = border.map((values) => values.sort((a, b) => a - b)[values.length >> 1]);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = (y * size + x) * 3;
      const contrast = Math.max(...[0, 1, 2].map((c) => Math.abs(image[p + c] - background[c])));
      if (contrast > 0.35) {
        xs.push(x);
        ys.push(y);
      }
    }
  }
  if (xs.length < 6) return undefined;
  const cx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const cy = ys.reduce((a, b) => a + b, 0) / ys.length;
  const distances = xs.map((x, i) => Math.hypot(x - cx, ys[i] - cy)).sort((a, b) => a - b);
  const radius = distances[Math.floor(0.95 * (distances.length - 1))] + 0.5;
  return xs.length / (radius * radius);
}

/** Nearest-class-mean classifier over shapeCompactness, its means measured on real samples; −1 for an empty image. */
export function compactnessClassifier(source: DatasetSource, size: number, samples = 96): (image: Float32Array) => number {
  const sums = [0, 0, 0];
  const counts = [0, 0, 0];
  for (let i = 0; i < Math.min(samples, source.size); i++) {
    const sample = source.sample(i);
    const value = shapeCompactness(sample.image.data as Float32Array, size);
    const cls = Array.from(sample.labels.data).indexOf(1);
    if (value === undefined) continue;
    sums[cls] += value;
    counts[cls]++;
  }
  const means = sums.map((s, k) => s / counts[k]);
  return (image) => {
    const value = shapeCompactness(image, size);
    if (value === undefined) return -1;
    let best = 0;
    for (let k = 1; k < 3; k++) if (Math.abs(value - means[k]) < Math.abs(value - means[best])) best = k;
    return best;
  };
}

/**
 * Generator samples in eval mode (as previews show them), `perClass` of each
 * class, interleaved circle, square, triangle: returns the images and their
 * conditioning classes.
 */
export function cganSamples(session: TrainingSession, graph: GraphDocument, perClass: number, step: number): { images: Float32Array[]; classes: number[] } {
  const size = graph.dataset.params.imageSize as number;
  const n = 3 * perClass;
  const labels = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) labels[i * 3 + (i % 3)] = 1;
  const batch = { image: tf.zeros([n, size, size, 3]), labels: tf.tensor2d(labels, [n, 3]) };
  const executor = new StepExecutor(session.program, { training: false, step, seed: 12345, batch });
  try {
    const output = executor.evaluate(['G_out']).get('G_out')!.output as tf.Tensor;
    const data = output.dataSync() as Float32Array;
    const pixels = size * size * 3;
    return { images: Array.from({ length: n }, (_, i) => data.slice(i * pixels, (i + 1) * pixels)), classes: Array.from({ length: n }, (_, i) => i % 3) };
  } finally {
    executor.dispose();
    tf.dispose(Object.values(batch));
  }
}

async function cganQuality(steps: number) {
  await selectBackend(values.backend as 'wasm' | 'cpu');
  const graph = findTemplate('cgan')!.build();
  const size = graph.dataset.params.imageSize as number;
  const classify = compactnessClassifier(openDataset(graph.dataset, { seed: 1, split: 'val' }), size);
  const session = TrainingSession.compile(graph, { registries: library });
  const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
  const fields = datasetFieldsUsed(graph, library);
  const start = performance.now();
  for (let step = 0; step < steps; step++) {
    const batch = makeBatch(source, batchIndices(step, graph.training.batchSize, source.size, 0), fields);
    session.step(batch, step);
    tf.dispose(Object.values(batch));
    if ((step + 1) % 500 === 0 || step + 1 === steps) {
      const { images, classes } = cganSamples(session, graph, 32, step);
      const hits = images.filter((image, i) => classify(image) === classes[i]).length;
      const seconds = (performance.now() - start) / 1000;
      console.log(`cgan step ${step + 1}: ${seconds.toFixed(0)} s, samples classified as their condition ${((100 * hits) / images.length).toFixed(0)}% (chance 33%)`);
    }
  }
  session.dispose();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  if (Number(values['cgan-quality']) > 0) return cganQuality(Number(values['cgan-quality']));
  const selected = await selectBackend(values.backend as 'wasm' | 'cpu');
  console.log(`backend: ${tf.getBackend()} (${JSON.stringify(selected)})`);
  const steps = Number(values.steps);
  for (const id of String(values.templates).split(',')) {
    const template = findTemplate(id);
    if (!template) throw new Error(`no template '${id}'`);
    const graph = template.build();
    const compileStart = performance.now();
    const session = TrainingSession.compile(graph, { registries: library });
    const compileMs = performance.now() - compileStart;
    const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
    const fields = datasetFieldsUsed(graph, library);
    const batchSize = graph.training.batchSize;
    const times: number[] = [];
    let losses: Record<string, number> = {};
    for (let step = 0; step <= steps; step++) {
      const batch = makeBatch(source, batchIndices(step, batchSize, source.size, 0), fields);
      const start = performance.now();
      losses = session.step(batch, step).losses;
      if (step > 0) times.push(performance.now() - start); // step 0 warms kernels up
      tf.dispose(Object.values(batch));
    }
    const parameters = session.program.weights.filter((w) => w.trainable).reduce((n, w) => n + w.variable.size, 0);
    console.log(
      `${id.padEnd(18)} ${String(graph.dataset.params.imageSize)}px batch ${batchSize}: ${median(times).toFixed(0)} ms/step ` +
        `(median of ${times.length}; compile ${compileMs.toFixed(0)} ms; ${(parameters / 1e3).toFixed(0)}k trainable parameters; ` +
        `${graph.training.steps} steps ≈ ${((median(times) * graph.training.steps) / 60000).toFixed(1)} min)`,
    );
    console.log(`${''.padEnd(18)} last losses: ${Object.entries(losses).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
    session.dispose();
  }
}

// Only when run as a script: the cGAN test imports the measurement above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
