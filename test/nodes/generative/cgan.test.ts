/**
 * The conditional GAN learns to obey its condition: after a short run the
 * generator's circles are measurably rounder than its triangles, and a fixed
 * shape measurement calibrated on real images assigns its samples to their
 * conditioning class above chance. Both fail if G or D ignores the class.
 */
import { beforeAll, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { TrainingSession } from '../../../core/train/session';
import { batchIndices, makeBatch, openDataset } from '../../../core/data/batch';
import { datasetFieldsUsed } from '../../../core/train/trainer';
import { buildCgan } from '../../../nodes/templates/cgan';
import { cganSamples, compactnessClassifier, shapeCompactness } from '../../bench/generative';
import { library } from '../../library';

const STEPS = 500;

beforeAll(async () => {
  await selectBackend('wasm');
});

it(`after ${STEPS} steps the class decides the shape`, () => {
  const graph = buildCgan({ steps: STEPS });
  const size = graph.dataset.params.imageSize as number;
  const session = TrainingSession.compile(graph, { registries: library });
  const source = openDataset(graph.dataset, { seed: 0, split: 'train' });
  const fields = datasetFieldsUsed(graph, library);
  for (let step = 0; step < STEPS; step++) {
    const batch = makeBatch(source, batchIndices(step, graph.training.batchSize, source.size, 0), fields);
    session.step(batch, step);
    tf.dispose(Object.values(batch));
  }
  const { images, classes } = cganSamples(session, graph, 40, STEPS);
  session.dispose();

  const meanCompactness = (cls: number) => {
    const values = images.filter((_, i) => classes[i] === cls).map((image) => shapeCompactness(image, size) ?? 0);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const [circle, square, triangle] = [0, 1, 2].map(meanCompactness);
  const classify = compactnessClassifier(openDataset(graph.dataset, { seed: 1, split: 'val' }), size);
  const accuracy = images.filter((image, i) => classify(image) === classes[i]).length / images.length;
  console.log(`compactness circle ${circle.toFixed(2)} square ${square.toFixed(2)} triangle ${triangle.toFixed(2)}; accuracy ${accuracy.toFixed(2)}`);
  // Real images: about 3.1, 2.6 and 1.8; one shared distribution would give equal means and 1/3 accuracy.
  expect(circle - triangle).toBeGreaterThan(0.3);
  expect(accuracy).toBeGreaterThan(0.4);
}, 90_000);
