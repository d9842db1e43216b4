import { defineNode, ShapeError } from '../core/node-api';
import { p } from '../core/params';
import { ones, zeros } from '../core/init';
import { batchNorm, instanceNorm } from '../core/ops/norm';
import { expectImage } from '../core/ops/shape';
import { tensor4dOf } from '../core/ops/value';
import { perOutputElement } from './flops';
import { py } from '../core/export/python';

export const batchNorm2d = defineNode({
  type: 'batchnorm2d',
  version: 1,
  category: 'layers',
  title: 'BatchNorm2d',
  doc:
    'Batch normalisation, PyTorch nn.BatchNorm2d with its defaults (momentum 0.1, eps 1e-5, affine): in training each channel ' +
    'is normalised with the mean and biased variance of the current batch (over N, H, W) and the running statistics move ' +
    'toward the batch ones (the variance unbiased, as PyTorch); in evaluation the running statistics are used. ' +
    'Scale γ and shift β are learned. Put it between a bias-free conv2d and its activation; with batch size 1 prefer ' +
    'instancenorm2d, whose statistics do not depend on the batch.',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Normalised map, same shape as the input.' },
  },
  params: {
    momentum: p.float({
      default: 0.1,
      min: 0,
      max: 1,
      doc: 'Weight of the current batch in the running statistics (PyTorch convention; Keras\'s 0.99 is 0.01 here).',
    }),
    eps: p.float({ default: 1e-5, min: 0, max: 1, exclusiveMin: true, doc: 'Added to the variance to avoid dividing by zero.' }),
    affine: p.bool({ default: true, doc: 'Learn a per-channel scale γ and shift β after normalising.' }),
  },
  inferShape({ inputs }) {
    expectImage(inputs.input, 'input');
    return { output: { kind: inputs.input.kind, shape: inputs.input.shape } };
  },
  // Statistics (2), normalise (2) and the affine γ, β (2) per element, roughly.
  flops: perOutputElement(5),
  build(ctx) {
    const { params } = ctx;
    const channels = expectImage(ctx.inputs.input, 'input').c;
    const gamma = params.affine ? ctx.weight('gamma', [channels], ones) : null;
    const beta = params.affine ? ctx.weight('beta', [channels], zeros) : null;
    const running = {
      mean: ctx.weight('runningMean', [channels], zeros, { trainable: false }),
      variance: ctx.weight('runningVar', [channels], ones, { trainable: false }),
    };
    return {
      forward: (inputs, mode) => ({
        output: batchNorm(tensor4dOf(inputs.input, 'input'), {
          gamma,
          beta,
          running,
          training: mode.training,
          updateStats: mode.updateStats,
          momentum: params.momentum,
          eps: params.eps,
        }),
      }),
    };
  },
  pytorch: {
    module: ({ params, inputs }) => `nn.BatchNorm2d(${inputs.input?.shape?.[3]}, eps=${py(params.eps)}, momentum=${py(params.momentum)}, affine=${py(params.affine)})`,
    // A node that already ran this step (for an earlier optimizer) leaves the running statistics alone, as ours does.
    forward: (a) => ({ output: a.updateStats ? `${a.module}(${a.in.input})` : `batch_norm_frozen_stats(${a.module}, ${a.in.input})` }),
    weights: {
      gamma: { name: 'weight' },
      beta: { name: 'bias' },
      runningMean: { name: 'running_mean' },
      runningVar: { name: 'running_var' },
    },
    extraTensors: { num_batches_tracked: { dtype: 'I64', shape: [] } },
  },
});

export const instanceNorm2d = defineNode({
  type: 'instancenorm2d',
  version: 1,
  category: 'layers',
  title: 'InstanceNorm2d',
  doc:
    'Instance normalisation, PyTorch nn.InstanceNorm2d with its defaults (eps 1e-5, affine false, no running statistics): ' +
    'every sample\'s every channel is normalised over H and W alone, in training and evaluation alike. The normalisation ' +
    'of style-transfer and CycleGAN generators, and the choice for batch size 1.',
  inputs: {
    input: { kinds: ['image'], doc: 'Feature map N×H×W×C.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Normalised map, same shape as the input.' },
  },
  params: {
    eps: p.float({ default: 1e-5, min: 0, max: 1, exclusiveMin: true, doc: 'Added to the variance to avoid dividing by zero.' }),
    affine: p.bool({ default: false, doc: 'Learn a per-channel scale γ and shift β (off by default, as in PyTorch).' }),
  },
  inferShape({ inputs }) {
    const { h, w } = expectImage(inputs.input, 'input');
    if (h * w === 1) {
      throw new ShapeError(
        "input 'input' is 1×1, so every channel normalises to zero (PyTorch refuses this too): apply the norm before the map shrinks to one pixel, or remove it",
        { port: 'input' },
      );
    }
    return { output: { kind: inputs.input.kind, shape: inputs.input.shape } };
  },
  flops: perOutputElement(5),
  build(ctx) {
    const { params } = ctx;
    const channels = expectImage(ctx.inputs.input, 'input').c;
    // pix2pix's init_weights('normal', 0.02) re-draws BatchNorm2d's γ only; InstanceNorm2d keeps γ = 1, β = 0.
    const gamma = params.affine ? ctx.weight('gamma', [channels], ones, { moduleInit: false }) : null;
    const beta = params.affine ? ctx.weight('beta', [channels], zeros, { moduleInit: false }) : null;
    return {
      forward: (inputs) => ({ output: instanceNorm(tensor4dOf(inputs.input, 'input'), params.eps, { gamma, beta }) }),
    };
  },
  pytorch: {
    module: ({ params, inputs }) => `nn.InstanceNorm2d(${inputs.input?.shape?.[3]}, eps=${py(params.eps)}, affine=${py(params.affine)})`,
    forward: (a) => ({ output: `${a.module}(${a.in.input})` }),
    weights: { gamma: { name: 'weight' }, beta: { name: 'bias' } },
  },
});
