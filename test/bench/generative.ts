/**
 * Benchmark (not a test): ms per training step of each generative template
 * at its default size, on the wasm backend (or --backend), over every
 * optimizer of the step (a GAN step is D's and G's updates together).
 *
 *   npx tsx test/bench/generative.ts [--steps N] [--backend wasm|cpu] [--templates cgan,pix2pix]
 */
import { parseArgs } from 'node:util';
import { tf } from '../../core/tf';
import { selectBackend } from '../../core/backend/select';
import { TrainingSession } from '../../core/train/session';
import { batchIndices, makeBatch, openDataset } from '../../core/data/batch';
import { datasetFieldsUsed } from '../../core/train/trainer';
import { findTemplate } from '../../nodes/templates';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '6' },
    backend: { type: 'string', default: 'wasm' },
    templates: { type: 'string', default: 'cgan,pix2pix,cyclegan,perceptual-style' },
  },
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  const selected = await selectBackend(values.backend as 'wasm' | 'cpu');
  console.log(`backend: ${tf.getBackend()} (${JSON.stringify(selected)})`);
  const steps = Number(values.steps);
  for (const id of values.templates!.split(',')) {
    const template = findTemplate(id);
    if (!template) throw new Error(`no template '${id}'`);
    const graph = template.build();
    const compileStart = performance.now();
    const session = TrainingSession.compile(graph);
    const compileMs = performance.now() - compileStart;
    const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
    const fields = datasetFieldsUsed(graph);
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

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
