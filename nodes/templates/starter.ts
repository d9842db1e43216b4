import { GraphBuilder } from '../../core/graph/builder';
import { SHAPE_CLASS_NAMES } from '../../core/data/shapes-render';
import type { TemplateInfo } from '../../core/library';
import { graphRegistries } from '../registry';

/** The graph a new editor window and File › New start from: the smallest graph that trains. */
export const starter: TemplateInfo = {
  id: 'starter',
  title: 'Starter: dataset → linear → loss',
  summary: 'The smallest graph that trains: the shapes images, flattened, one linear layer, a multi-label loss.',
  description:
    'What a new graph starts from: the shapes dataset (32×32), flattened and fed to one linear layer with a logit per ' +
    'shape class, trained with binary cross-entropy on the labels by Adam (lr 1e-3, batches of 16). Replace the linear ' +
    'layer with convolutions to see the loss fall further.',
  category: 'basics',
  build() {
    const g = new GraphBuilder({ name: 'Untitled' }, graphRegistries);
    g.dataset('shapes', { imageSize: 32 });
    g.add('input.dataset', {}, 'data');
    g.op('flatten', { input: 'data.image' }, {}, 'flatten');
    g.op('linear', { input: 'flatten.output' }, { outFeatures: SHAPE_CLASS_NAMES.length }, 'classifier');
    g.op('loss.bce_logits', { input: 'classifier.output', target: 'data.labels' }, {}, 'loss');
    g.training({ batchSize: 16 });
    g.optimizer({ type: 'adam', id: 'adam', modules: ['main'], losses: [{ node: 'loss', weight: 1 }], lr: 1e-3 });
    return g.build();
  },
};
