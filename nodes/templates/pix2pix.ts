import { GraphBuilder } from '../../core/graph/builder';
import type { GraphDocument } from '../../core/graph/schema';
import type { TemplateInfo } from '../../core/library';
import { graphRegistries } from '../registry';

export interface Pix2pixOptions {
  imageSize: number;
  /** U-Net downs; imageSize must be divisible by 2^depth. */
  depth: number;
  ngf: number;
  ndf: number;
  /** PatchGAN stride-2 layers (3 gives 70×70 patches; 2 suits 32×32 images). */
  nLayers: number;
  source: 'edges' | 'labels';
  steps: number;
  batchSize: number;
}

export const PIX2PIX_DEFAULTS: Pix2pixOptions = { imageSize: 32, depth: 5, ngf: 32, ndf: 32, nLayers: 2, source: 'edges', steps: 4000, batchSize: 4 };

/**
 * pix2pix (Isola et al.): a U-Net generator G(A) and a conditional PatchGAN
 * D(A, B), trained as pix2pix_model.py does: D on [A, real B] → real and on
 * [A, G(A)] → fake, each × 0.5; then G on D(A, G(A)) → real plus 100 · L1.
 */
export function buildPix2pix(options: Partial<Pix2pixOptions> = {}): GraphDocument {
  const o = { ...PIX2PIX_DEFAULTS, ...options };
  const g = new GraphBuilder({ name: 'pix2pix', description: pix2pix.description }, graphRegistries);
  g.dataset('shapes.paired', { imageSize: o.imageSize, source: o.source });
  g.add('input.dataset', {}, 'data');
  const conditionChannels = o.source === 'edges' ? 1 : 3;
  g.op('generator.unet', { input: 'data.A' }, { depth: o.depth, ngf: o.ngf, outChannels: 3, norm: 'batch', dropout: true }, 'G');
  const dParams = { nLayers: o.nLayers, ndf: o.ndf, norm: 'batch', inChannels: conditionChannels + 3 };
  g.op('discriminator.patchgan', { input: 'G.output', condition: 'data.A' }, dParams, 'D_fake');
  g.op('discriminator.patchgan', { input: 'data.B', condition: 'data.A' }, dParams, 'D_real');
  g.shareWeights('D_real', 'D_fake');
  g.op('loss.gan', { input: 'D_fake.output' }, { mode: 'vanilla', target: 'fake' }, 'D_loss_fake');
  g.op('loss.gan', { input: 'D_real.output' }, { mode: 'vanilla', target: 'real' }, 'D_loss_real');
  g.op('loss.gan', { input: 'D_fake.output' }, { mode: 'vanilla', target: 'real' }, 'G_loss_gan');
  g.op('loss.l1', { input: 'G.output', target: 'data.B' }, {}, 'G_loss_L1');
  g.module('G', 'Generator', ['G'], 'normal0.02');
  g.module('D', 'Discriminator', ['D_fake', 'D_real'], 'normal0.02');
  const half = Math.max(1, Math.floor(o.steps / 2));
  const adam = { type: 'adam' as const, lr: 2e-4, betas: [0.5, 0.999] as [number, number], schedule: { type: 'linear' as const, constantSteps: half, decaySteps: half } };
  g.optimizer({ ...adam, id: 'adam_D', modules: ['D'], losses: [{ node: 'D_loss_fake', weight: 0.5 }, { node: 'D_loss_real', weight: 0.5 }] });
  g.optimizer({ ...adam, id: 'adam_G', modules: ['G'], losses: [{ node: 'G_loss_gan', weight: 1 }, { node: 'G_loss_L1', weight: 100 }] });
  g.training({ steps: o.steps, batchSize: o.batchSize, logEvery: 10, previewEvery: 200, checkpointEvery: 1000 });
  return g.build();
}

export const pix2pix: TemplateInfo = {
  id: 'pix2pix',
  title: 'pix2pix: sketch → image (U-Net + PatchGAN)',
  summary: 'Paired image translation: a U-Net generator against a conditional PatchGAN, plus 100·L1.',
  description:
    "pix2pix (Isola et al.) on synthetic pairs: outline sketches A → rendered shapes B, 32×32. The generator is the " +
    "reference's U-Net (depth 5, ngf 32, batch norm, skip connections, tanh); the discriminator a conditional PatchGAN " +
    'that sees the sketch concatenated with a real or generated image and scores every patch. As in the reference: ' +
    'vanilla GAN loss, D\'s loss halved, G\'s loss = GAN + 100·L1, Adam 2e-4 with β1 0.5, N(0, 0.02) initialisation, a ' +
    'constant rate for half the run then a linear decay to zero. Previews show the sketch, the target, the ' +
    "discriminator's patch maps and the generated image. Point the dataset at your own A|B folder (folder.pix2pix) and " +
    'raise imageSize and depth (256 and 8, with nLayers 3) for the full-size model.',
  category: 'generative',
  build: () => buildPix2pix(),
};
