import { GraphBuilder } from '../../core/graph/builder';
import type { GraphDocument } from '../../core/graph/schema';
import type { TemplateInfo } from '../../core/library';
import { graphRegistries } from '../registry';

export interface PerceptualOptions {
  imageSize: number;
  ngf: number;
  blocks: number;
  /** First-stage width of the builtin loss network. */
  lossWidth: number;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  steps: number;
  batchSize: number;
}

export const PERCEPTUAL_DEFAULTS: PerceptualOptions = {
  imageSize: 32,
  ngf: 16,
  blocks: 3,
  lossWidth: 16,
  contentWeight: 1,
  styleWeight: 2000,
  tvWeight: 1e-6,
  steps: 2000,
  batchSize: 4,
};

/**
 * Johnson et al.'s feed-forward style transfer: a transformation network
 * trained against a frozen loss network — content (relu2_2 features of the
 * input) plus style (Gram matrices of the style images' features at
 * relu1_2, relu2_2, relu3_3) plus total variation. The three loss-network
 * nodes share one set of frozen weights.
 */
export function buildPerceptual(options: Partial<PerceptualOptions> = {}): GraphDocument {
  const o = { ...PERCEPTUAL_DEFAULTS, ...options };
  const g = new GraphBuilder({ name: 'Perceptual-loss style transfer', description: perceptual.description }, graphRegistries);
  g.dataset('shapes.unpaired', { imageSize: o.imageSize });
  g.add('input.dataset', {}, 'data');
  g.op('generator.resnet', { input: 'data.A' }, { ngf: o.ngf, blocks: o.blocks, outChannels: 3, norm: 'instance' }, 'transform');
  const lossNet = { source: 'builtin', width: o.lossWidth, layers: 'relu1_2,relu2_2,relu3_3' };
  g.op('features.frozen', { input: 'transform.output' }, lossNet, 'loss_net');
  g.op('features.frozen', { input: 'data.A' }, lossNet, 'loss_net_content');
  g.op('features.frozen', { input: 'data.B' }, lossNet, 'loss_net_style');
  g.shareWeights('loss_net_content', 'loss_net').shareWeights('loss_net_style', 'loss_net');
  g.op(
    'loss.perceptual',
    { input: 'loss_net.features', content: 'loss_net_content.features', style: 'loss_net_style.features' },
    { contentLayers: 'relu2_2', styleLayers: 'relu1_2,relu2_2,relu3_3', contentWeight: o.contentWeight, styleWeight: o.styleWeight },
    'perceptual',
  );
  g.op('loss.tv', { input: 'transform.output' }, { norm: 'l1', reduction: 'sum' }, 'tv');
  g.module('T', 'Transformation network', ['transform']);
  g.module('LossNet', 'Loss network (frozen)', ['loss_net', 'loss_net_content', 'loss_net_style']);
  g.optimizer({
    type: 'adam',
    id: 'adam',
    modules: ['T'],
    lr: 1e-3,
    losses: [
      { node: 'perceptual', weight: 1 },
      { node: 'tv', weight: o.tvWeight },
    ],
  });
  g.training({ steps: o.steps, batchSize: o.batchSize, logEvery: 10, previewEvery: 200, checkpointEvery: 1000 });
  const graph = g.build();
  // The loss network stays fixed by design: saying so lets validation refuse an optimizer that would train it.
  graph.modules.find((m) => m.id === 'LossNet')!.frozen = true;
  return graph;
}

export const perceptual: TemplateInfo = {
  id: 'perceptual-style',
  title: 'Perceptual-loss style transfer',
  summary: 'A transformation network trained against a frozen loss network: content + style (Gram) + TV.',
  description:
    "Johnson et al.'s fast style transfer on 32×32 synthetic shapes: a ResNet-style transformation network (instance " +
    'norm) renders the flat-coloured images (A) in the style of the striped domain (B). The loss compares features of ' +
    'a frozen network: content at relu2_2 against the input, style as Gram matrices at relu1_2, relu2_2, relu3_3 ' +
    'against the striped images, plus total variation; Adam 1e-3, batch 4. Nothing can be downloaded, so the loss ' +
    'network is the frozen-feature node\'s builtin one: a narrow VGG-16 with fixed random weights. Random features ' +
    'capture colour and texture statistics well enough to move the style, but not the semantics of a trained VGG-16: ' +
    "for real style transfer set the loss-network nodes' source to 'file' and path to a TensorFlow.js VGG model.json " +
    '(with scale/offset for its input range), then retune the weights (pytorch/examples uses 1e5 and 1e10).',
  category: 'generative',
  build: () => buildPerceptual(),
};
