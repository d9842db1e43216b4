import { GraphBuilder } from '../../core/graph/builder';
import type { TemplateInfo } from './index';

export const shapeClassifier: TemplateInfo = {
  id: 'shapes-classifier',
  title: 'Which shapes are present? (CNN classifier)',
  summary: 'A small strided CNN predicting, per image, whether it holds a circle, a square and a triangle.',
  description:
    'The smallest useful graph, a good first one to read: three stride-2 3×3 convolutions with ReLU, flatten, two ' +
    'linear layers, and a BCE-with-logits loss against the multi-hot "labels" of the shapes dataset (several shapes ' +
    'can be present at once, so each class is its own yes/no). SGD with momentum 0.9. Trains in a minute on a CPU.',
  category: 'basics',
  build() {
    const g = new GraphBuilder({ name: 'Shapes classifier', description: this.description });
    g.dataset('shapes', { imageSize: 32, maxObjects: 2 });
    g.add('input.dataset', {}, 'data');
    let x = 'data.image';
    for (const [i, channels] of [16, 32, 64].entries()) {
      x = `${g.op('conv2d', { input: x }, { outChannels: channels, kernelSize: 3, stride: 2, padding: 1 }, `conv${i + 1}`)}.output`;
      x = `${g.op('relu', { input: x }, {}, `relu${i + 1}`)}.output`;
    }
    x = `${g.op('flatten', { input: x }, {}, 'flatten')}.output`;
    x = `${g.op('linear', { input: x }, { outFeatures: 64 }, 'fc1')}.output`;
    x = `${g.op('relu', { input: x }, {}, 'fc1_relu')}.output`;
    x = `${g.op('linear', { input: x }, { outFeatures: 3 }, 'fc2')}.output`;
    g.op('loss.bce_logits', { input: x, target: 'data.labels' }, {}, 'bce');
    g.optimizer({ type: 'sgd', id: 'sgd', modules: ['main'], losses: [{ node: 'bce', weight: 1 }], lr: 0.05, momentum: 0.9 });
    g.training({ steps: 500, batchSize: 16, logEvery: 10, previewEvery: 100, checkpointEvery: 250 });
    return g.build();
  },
};
