import { GraphBuilder } from '../../core/graph/builder';
import type { TemplateInfo } from '../../core/library';
import { graphRegistries } from '../registry';

export const shapeClassifier: TemplateInfo = {
  id: 'shapes-classifier',
  title: 'Which shapes are present? (CNN classifier)',
  summary: 'A small CNN predicting, per image, whether it holds a circle, a square and a triangle.',
  description:
    'A small graph, a good first one to read: three stages of 3×3 convolution, BatchNorm, ReLU and 2×2 max-pooling, ' +
    'then flatten, two linear layers, and a BCE-with-logits loss against the multi-hot "labels" of the shapes dataset ' +
    '(several shapes can be present at once, so each class is its own yes/no). Adam 1e-3. Trains in a few minutes on a CPU.',
  category: 'basics',
  build() {
    const g = new GraphBuilder({ name: 'Shapes classifier', description: this.description }, graphRegistries);
    g.dataset('shapes', { imageSize: 48, maxObjects: 2 });
    g.add('input.dataset', {}, 'data');
    let x = 'data.image';
    for (const [i, channels] of [16, 32, 64].entries()) {
      x = `${g.op('conv2d', { input: x }, { outChannels: channels, kernelSize: 3, padding: 1, bias: false }, `conv${i + 1}`)}.output`;
      x = `${g.op('batchnorm2d', { input: x }, {}, `bn${i + 1}`)}.output`;
      x = `${g.op('relu', { input: x }, {}, `relu${i + 1}`)}.output`;
      x = `${g.op('maxpool2d', { input: x }, { kernelSize: 2 }, `pool${i + 1}`)}.output`;
    }
    x = `${g.op('flatten', { input: x }, {}, 'flatten')}.output`;
    x = `${g.op('linear', { input: x }, { outFeatures: 64 }, 'fc1')}.output`;
    x = `${g.op('relu', { input: x }, {}, 'fc1_relu')}.output`;
    x = `${g.op('linear', { input: x }, { outFeatures: 3 }, 'fc2')}.output`;
    g.op('loss.bce_logits', { input: x, target: 'data.labels' }, {}, 'bce');
    g.optimizer({ type: 'adam', id: 'adam', modules: ['main'], losses: [{ node: 'bce', weight: 1 }], lr: 1e-3 });
    g.training({ steps: 1500, batchSize: 16, logEvery: 10, previewEvery: 100, checkpointEvery: 500 });
    return g.build();
  },
};
