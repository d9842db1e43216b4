/**
 * The losses of pix2pix and CycleGAN (models/networks.py GANLoss,
 * cycle_gan_model.py) and the total-variation regulariser of perceptual-loss
 * style transfer. Each outputs a scalar on 'loss'.
 */
import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { ganLoss, totalVariation, weightedL1Sum } from '../../core/ops/generative';
import { expectDense, expectImage, shapeDifference } from '../../core/ops/shape';
import { tensor4dOf, tensorOf } from '../../core/ops/value';
import { formatShape, type ValueType } from '../../core/types';
import { elements, perInputElement } from '../flops';

const lossOutputs = { loss: { kind: 'loss', doc: 'Scalar loss.' } } as const;
const scalarLoss = (): { loss: ValueType } => ({ loss: { kind: 'loss', shape: [] } });

export const ganLossNode = defineNode({
  type: 'loss.gan',
  version: 1,
  category: 'losses',
  title: 'GAN loss',
  doc:
    "pix2pix/CycleGAN's GANLoss, PyTorch networks.GANLoss(gan_mode)(prediction, target_is_real): compares a " +
    "discriminator's raw output with an all-real (1) or all-fake (0) target of the same shape — BCE with logits for " +
    "'vanilla' (the original GAN and pix2pix), mean squared error for 'lsgan' (least-squares GAN, CycleGAN). Use three: " +
    'D on real with target real and D on fake with target fake in the discriminator\'s optimizer (pix2pix weights each ' +
    '0.5), and D on fake with target real in the generator\'s.',
  inputs: {
    input: { kinds: ['tensor'], doc: 'Discriminator logits, any shape (a PatchGAN map or N×1).' },
  },
  outputs: lossOutputs,
  params: {
    mode: p.enum({ options: ['vanilla', 'lsgan'], default: 'vanilla', doc: "'vanilla': BCE with logits (pix2pix); 'lsgan': MSE (CycleGAN)." }),
    target: p.enum({ options: ['real', 'fake'], default: 'real', doc: 'Which label the input should get: real (1) or fake (0).' }),
  },
  inferShape({ inputs }) {
    expectDense(inputs.input, 'input');
    return scalarLoss();
  },
  flops: perInputElement(6),
  build: ({ params }) => ({
    forward: (values) => ({ loss: ganLoss(tensorOf(values.input, 'input'), params.mode, params.target === 'real') }),
  }),
});

function checkPair(a: ValueType | undefined, aPort: string, b: ValueType | undefined, bPort: string, required: boolean): boolean {
  if (!a && !b) {
    if (required) throw new ShapeError(`wire '${aPort}' and '${bPort}'`, { port: aPort });
    return false;
  }
  if (!a || !b) {
    const missing = a ? bPort : aPort;
    throw new ShapeError(`'${aPort}' and '${bPort}' go together: wire '${missing}' too, or unwire both`, { port: missing });
  }
  const shapeA = expectDense(a, aPort);
  const shapeB = expectDense(b, bPort);
  const diff = shapeDifference(shapeA, shapeB);
  if (diff) {
    throw new ShapeError(`'${aPort}' is ${formatShape(shapeA)} but '${bPort}' is ${formatShape(shapeB)} (${diff} differ): compare images of the same shape`, {
      port: aPort,
    });
  }
  return true;
}

export const cycleLoss = defineNode({
  type: 'loss.cycle',
  version: 1,
  category: 'losses',
  title: 'Cycle-consistency loss',
  doc:
    "CycleGAN's cycle-consistency loss, both directions: λ_A·‖G_B(G_A(A)) − A‖₁ + λ_B·‖G_A(G_B(B)) − B‖₁ (means), as " +
    "cycle_gan_model.py's loss_cycle_A + loss_cycle_B with PyTorch nn.L1Loss. Translating an image to the other domain and " +
    'back must give it back, which is what lets CycleGAN learn from unpaired images. Wire the B pair only for one ' +
    'direction; the reference uses λ = 10 for both.',
  inputs: {
    reconstructedA: { kinds: ['image'], doc: 'G_B(G_A(A)): A translated to B and back.' },
    realA: { kinds: ['image'], doc: 'The real A images.' },
    reconstructedB: { kinds: ['image'], doc: 'G_A(G_B(B)): B translated to A and back.', optional: true },
    realB: { kinds: ['image'], doc: 'The real B images.', optional: true },
  },
  outputs: lossOutputs,
  params: {
    lambdaA: p.float({ default: 10, min: 0, doc: 'Weight of the A → B → A cycle (lambda_A).' }),
    lambdaB: p.float({ default: 10, min: 0, doc: 'Weight of the B → A → B cycle (lambda_B).' }),
  },
  inferShape({ inputs }) {
    checkPair(inputs.reconstructedA, 'reconstructedA', inputs.realA, 'realA', true);
    checkPair(inputs.reconstructedB, 'reconstructedB', inputs.realB, 'realB', false);
    return scalarLoss();
  },
  flops: ({ inputs }) => 3 * (elements(inputs.reconstructedA) + elements(inputs.reconstructedB)),
  build: ({ params }) => ({
    forward: (values) => {
      const terms = [{ input: tensorOf(values.reconstructedA, 'reconstructedA'), target: tensorOf(values.realA, 'realA'), weight: params.lambdaA }];
      if (values.reconstructedB !== undefined) {
        terms.push({ input: tensorOf(values.reconstructedB, 'reconstructedB'), target: tensorOf(values.realB, 'realB'), weight: params.lambdaB });
      }
      return { loss: weightedL1Sum(terms) };
    },
  }),
});

export const identityLoss = defineNode({
  type: 'loss.identity',
  version: 1,
  category: 'losses',
  title: 'Identity loss',
  doc:
    "CycleGAN's identity loss: a generator fed an image already in its target domain should leave it unchanged. " +
    '‖G_A(B) − B‖₁·λ_B·λ_identity + ‖G_B(A) − A‖₁·λ_A·λ_identity (means), as cycle_gan_model.py\'s loss_idt_A + ' +
    'loss_idt_B with PyTorch nn.L1Loss; it keeps colours from drifting. The reference uses λ_identity 0.5 with λ = 10. ' +
    'Wire the second pair only for the other generator.',
  inputs: {
    identityA: { kinds: ['image'], doc: 'G_A(B): the A → B generator applied to real B images.' },
    realB: { kinds: ['image'], doc: 'The real B images.' },
    identityB: { kinds: ['image'], doc: 'G_B(A): the B → A generator applied to real A images.', optional: true },
    realA: { kinds: ['image'], doc: 'The real A images.', optional: true },
  },
  outputs: lossOutputs,
  params: {
    lambdaA: p.float({ default: 10, min: 0, doc: 'lambda_A, which scales the G_B(A) term.' }),
    lambdaB: p.float({ default: 10, min: 0, doc: 'lambda_B, which scales the G_A(B) term.' }),
    lambdaIdentity: p.float({ default: 0.5, min: 0, doc: 'lambda_identity: the identity terms relative to the cycle weights.' }),
  },
  inferShape({ inputs }) {
    checkPair(inputs.identityA, 'identityA', inputs.realB, 'realB', true);
    checkPair(inputs.identityB, 'identityB', inputs.realA, 'realA', false);
    return scalarLoss();
  },
  flops: ({ inputs }) => 3 * (elements(inputs.identityA) + elements(inputs.identityB)),
  build: ({ params }) => ({
    forward: (values) => {
      const terms = [
        { input: tensorOf(values.identityA, 'identityA'), target: tensorOf(values.realB, 'realB'), weight: params.lambdaB * params.lambdaIdentity },
      ];
      if (values.identityB !== undefined) {
        terms.push({ input: tensorOf(values.identityB, 'identityB'), target: tensorOf(values.realA, 'realA'), weight: params.lambdaA * params.lambdaIdentity });
      }
      return { loss: weightedL1Sum(terms) };
    },
  }),
});

export const tvLoss = defineNode({
  type: 'loss.tv',
  version: 1,
  category: 'losses',
  title: 'Total variation loss',
  doc:
    'Total variation of an image: the differences between vertically and horizontally neighbouring pixels, absolute ' +
    "('l1', the usual PyTorch port: torch.sum(torch.abs(x[..., 1:, :] − x[..., :-1, :])) + the same across columns) or " +
    "squared ('l2'), summed or averaged. A smoothness regulariser for generated images; Johnson et al.'s perceptual-loss " +
    'style transfer weights it by about 1e-6 (on 0..255 images).',
  inputs: {
    input: { kinds: ['image'], doc: 'Image N×H×W×C with H, W ≥ 2.' },
  },
  outputs: lossOutputs,
  params: {
    norm: p.enum({ options: ['l1', 'l2'], default: 'l1', doc: "'l1': absolute differences; 'l2': squared differences." }),
    reduction: p.enum({ options: ['sum', 'mean'], default: 'sum', doc: 'Sum every difference, or average over them.' }),
  },
  inferShape({ inputs }) {
    const { h, w } = expectImage(inputs.input, 'input');
    if (h < 2 || w < 2) throw new ShapeError(`input 'input' is ${h}×${w}: total variation needs at least 2×2 pixels`, { port: 'input' });
    return scalarLoss();
  },
  // Two differences, their absolute values or squares, and the sums.
  flops: perInputElement(6),
  build: ({ params }) => ({
    forward: (values) => ({ loss: totalVariation(tensor4dOf(values.input, 'input'), params.norm, params.reduction) }),
  }),
});
