import { GraphBuilder } from '../../core/graph/builder';
import type { GraphDocument } from '../../core/graph/schema';
import type { TemplateInfo } from '../../core/library';
import { graphRegistries } from '../registry';

export interface CycleganOptions {
  imageSize: number;
  ngf: number;
  blocks: number;
  ndf: number;
  nLayers: number;
  poolSize: number;
  steps: number;
  batchSize: number;
}

export const CYCLEGAN_DEFAULTS: CycleganOptions = { imageSize: 32, ngf: 16, blocks: 4, ndf: 16, nLayers: 2, poolSize: 50, steps: 5000, batchSize: 1 };

/**
 * CycleGAN (Zhu et al.) as cycle_gan_model.py trains it: G_A: A → B and
 * G_B: B → A (ResNet generators), D_A judging B-domain images and D_B
 * A-domain ones (PatchGANs, instance norm), LSGAN losses, cycle λ 10 each
 * way, identity 0.5·λ, and image pools between generators and
 * discriminators. One generator applied three times (translate, cycle back,
 * identity) is three nodes sharing weights.
 */
export function buildCyclegan(options: Partial<CycleganOptions> = {}): GraphDocument {
  const o = { ...CYCLEGAN_DEFAULTS, ...options };
  const g = new GraphBuilder({ name: 'CycleGAN', description: cyclegan.description }, graphRegistries);
  g.dataset('shapes.unpaired', { imageSize: o.imageSize });
  g.add('input.dataset', {}, 'data');
  const gParams = { ngf: o.ngf, blocks: o.blocks, outChannels: 3, norm: 'instance', dropout: false, paddingType: 'reflect' };
  g.op('generator.resnet', { input: 'data.A' }, gParams, 'G_A');
  g.op('generator.resnet', { input: 'data.B' }, gParams, 'G_B');
  g.op('generator.resnet', { input: 'G_A.output' }, gParams, 'G_B_cycle');
  g.op('generator.resnet', { input: 'G_B.output' }, gParams, 'G_A_cycle');
  g.op('generator.resnet', { input: 'data.B' }, gParams, 'G_A_identity');
  g.op('generator.resnet', { input: 'data.A' }, gParams, 'G_B_identity');
  g.shareWeights('G_B_cycle', 'G_B').shareWeights('G_A_cycle', 'G_A').shareWeights('G_A_identity', 'G_A').shareWeights('G_B_identity', 'G_B');

  const dParams = { nLayers: o.nLayers, ndf: o.ndf, norm: 'instance', inChannels: 3 };
  g.op('image_pool', { input: 'G_A.output' }, { poolSize: o.poolSize }, 'pool_fake_B');
  g.op('image_pool', { input: 'G_B.output' }, { poolSize: o.poolSize }, 'pool_fake_A');
  g.op('discriminator.patchgan', { input: 'G_A.output' }, dParams, 'D_A_fake');
  g.op('discriminator.patchgan', { input: 'pool_fake_B.output' }, dParams, 'D_A_pooled');
  g.op('discriminator.patchgan', { input: 'data.B' }, dParams, 'D_A_real');
  g.op('discriminator.patchgan', { input: 'G_B.output' }, dParams, 'D_B_fake');
  g.op('discriminator.patchgan', { input: 'pool_fake_A.output' }, dParams, 'D_B_pooled');
  g.op('discriminator.patchgan', { input: 'data.A' }, dParams, 'D_B_real');
  g.shareWeights('D_A_pooled', 'D_A_fake').shareWeights('D_A_real', 'D_A_fake').shareWeights('D_B_pooled', 'D_B_fake').shareWeights('D_B_real', 'D_B_fake');

  const lsgan = (input: string, target: 'real' | 'fake', id: string) => g.op('loss.gan', { input }, { mode: 'lsgan', target }, id);
  lsgan('D_A_fake.output', 'real', 'G_A_gan');
  lsgan('D_B_fake.output', 'real', 'G_B_gan');
  g.op('loss.cycle', { reconstructedA: 'G_B_cycle.output', realA: 'data.A', reconstructedB: 'G_A_cycle.output', realB: 'data.B' }, { lambdaA: 10, lambdaB: 10 }, 'cycle');
  g.op(
    'loss.identity',
    { identityA: 'G_A_identity.output', realB: 'data.B', identityB: 'G_B_identity.output', realA: 'data.A' },
    { lambdaA: 10, lambdaB: 10, lambdaIdentity: 0.5 },
    'identity',
  );
  lsgan('D_A_real.output', 'real', 'D_A_loss_real');
  lsgan('D_A_pooled.output', 'fake', 'D_A_loss_fake');
  lsgan('D_B_real.output', 'real', 'D_B_loss_real');
  lsgan('D_B_pooled.output', 'fake', 'D_B_loss_fake');

  g.module('G', 'Generators', ['G_A', 'G_B', 'G_B_cycle', 'G_A_cycle', 'G_A_identity', 'G_B_identity'], 'normal0.02');
  g.module('D', 'Discriminators', ['D_A_fake', 'D_A_pooled', 'D_A_real', 'D_B_fake', 'D_B_pooled', 'D_B_real'], 'normal0.02');
  const half = Math.max(1, Math.floor(o.steps / 2));
  const adam = { type: 'adam' as const, lr: 2e-4, betas: [0.5, 0.999] as [number, number], schedule: { type: 'linear' as const, constantSteps: half, decaySteps: half } };
  g.optimizer({
    ...adam,
    id: 'adam_G',
    modules: ['G'],
    losses: [
      { node: 'G_A_gan', weight: 1 },
      { node: 'G_B_gan', weight: 1 },
      { node: 'cycle', weight: 1 },
      { node: 'identity', weight: 1 },
    ],
  });
  g.optimizer({
    ...adam,
    id: 'adam_D',
    modules: ['D'],
    losses: [
      { node: 'D_A_loss_real', weight: 0.5 },
      { node: 'D_A_loss_fake', weight: 0.5 },
      { node: 'D_B_loss_real', weight: 0.5 },
      { node: 'D_B_loss_fake', weight: 0.5 },
    ],
  });
  g.training({ steps: o.steps, batchSize: o.batchSize, logEvery: 10, previewEvery: 200, checkpointEvery: 1000 });
  return g.build();
}

export const cyclegan: TemplateInfo = {
  id: 'cyclegan',
  title: 'CycleGAN: flat ↔ striped (unpaired)',
  summary: 'Two ResNet generators and two PatchGANs learn a style translation from unpaired images.',
  description:
    'CycleGAN (Zhu et al.) between two unpaired synthetic domains, flat-coloured shapes (A) and striped, outlined ' +
    "shapes on textured backgrounds (B), 32×32. As the reference: ResNet generators with instance norm (here ngf 16 and " +
    '4 residual blocks), PatchGAN discriminators with instance norm, least-squares GAN losses, cycle-consistency λ 10 ' +
    "both ways, identity loss 0.5·λ, 50-image pools feeding the discriminators, batch 1, Adam 2e-4 with β1 0.5, a " +
    "constant rate then a linear decay. The generators step first, then both discriminators (whose loss is halved). " +
    'Each generator appears three times — translate, cycle back, identity — as nodes sharing one set of weights. Point ' +
    'the dataset at your own trainA/ and trainB/ folders (folder.cyclegan) to translate your images.',
  category: 'generative',
  build: () => buildCyclegan(),
};
