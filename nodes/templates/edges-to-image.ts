import { GraphBuilder } from '../../core/graph/builder';
import type { TemplateInfo } from '../../core/library';
import { graphRegistries } from '../registry';
import { addUnet } from './parts';

export const edgesToImage: TemplateInfo = {
  id: 'edges-to-image-unet',
  title: 'Edges → image U-Net (L1)',
  summary: "pix2pix's U-Net generator trained with L1 alone: outline sketches to rendered shapes.",
  description:
    "The generator half of pix2pix: a 6-level U-Net (64×64 in, ngf 64, BatchNorm, dropout in the innermost ngf·8 up " +
    'block, tanh out) that turns the synthetic shapes\' edge maps into the rendered images, trained with an L1 loss and ' +
    "Adam (2e-4, β1 0.5) as in the reference. Without a discriminator its outputs are blurry where the edges leave the " +
    'colour ambiguous — add a PatchGAN from the generative templates to sharpen them. This is also the network ' +
    '`npm run bench` times.',
  category: 'generative',
  build() {
    const g = new GraphBuilder({ name: 'Edges → image U-Net', description: this.description }, graphRegistries);
    g.dataset('shapes', { imageSize: 64, valueRange: '-1..1', background: 'flat' });
    const data = g.add('input.dataset', {}, 'data');
    const unet = addUnet(g, `${data}.edges`, { depth: 6, ngf: 64, outChannels: 3, prefix: 'G_' });
    g.op('loss.l1', { input: unet.output, target: `${data}.image` }, {}, 'l1');
    g.module('G', 'Generator', unet.nodes);
    g.optimizer({ type: 'adam', id: 'adam_G', modules: ['G'], losses: [{ node: 'l1', weight: 1 }], lr: 2e-4, betas: [0.5, 0.999] });
    g.training({ steps: 2000, batchSize: 4, logEvery: 10, previewEvery: 100, checkpointEvery: 500 });
    return g.build();
  },
};
