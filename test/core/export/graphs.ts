/** Graphs of general nodes for the export tests. */
import { library } from '../../library';
import { GraphBuilder } from '../../../core/graph/builder';
import type { GraphDocument } from '../../../core/graph/schema';

/** Every general node type, with the params that differ most between frameworks (reflect padding, dilation, count_include_pad, align_corners, output_padding). */
export function layersGraph(): GraphDocument {
  const g = new GraphBuilder({ name: 'every layer' }, library);
  g.dataset('shapes', { imageSize: 16, maxObjects: 2, valueRange: '-1..1' });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.image' }, { outChannels: 6, kernelSize: 3, padding: 1 }, 'conv_a');
  g.op('batchnorm2d', { input: 'conv_a.output' }, {}, 'bn_a');
  g.op('leaky_relu', { input: 'bn_a.output' }, { negativeSlope: 0.1 }, 'act_a');
  g.op('conv2d', { input: 'act_a.output' }, { outChannels: 8, kernelSize: 3, stride: 2, padding: 2, dilation: 2 }, 'conv_b');
  g.op('instancenorm2d', { input: 'conv_b.output' }, { affine: true }, 'in_b');
  g.op('tanh', { input: 'in_b.output' }, {}, 'act_b');
  g.op('reflection_pad2d', { input: 'act_b.output' }, { padding: 1 }, 'pad_c');
  // Grouped and depthwise convs, ceil-mode pooling and BCE's pos_weight: the params added for PyTorch parity.
  g.op('conv2d', { input: 'act_b.output' }, { outChannels: 4, kernelSize: 3, padding: 1, groups: 2 }, 'grouped');
  g.op('conv2d', { input: 'act_b.output' }, { outChannels: 8, kernelSize: 3, padding: 1, groups: 8, bias: false }, 'depthwise');
  g.op('maxpool2d', { input: 'depthwise.output' }, { kernelSize: 3, stride: 2, ceilMode: true }, 'max_ceil');
  g.op('avgpool2d', { input: 'grouped.output' }, { kernelSize: 3, stride: 2, padding: 1, ceilMode: true }, 'avg_ceil');
  g.op('loss.mse', { input: 'max_ceil.output' }, { target: 0 }, 'ceil_probe');
  g.op('loss.bce_logits', { input: 'avg_ceil.output' }, { target: 0.3, posWeight: 2 }, 'bce_pw');
  g.op('loss.mse', { input: 'pad_c.output' }, { target: 0 }, 'pad_probe');
  g.op('avgpool2d', { input: 'act_b.output' }, { kernelSize: 3, stride: 1, padding: 1, countIncludePad: false }, 'avg_c');
  g.op('maxpool2d', { input: 'avg_c.output' }, { kernelSize: 2, stride: 2, padding: 1 }, 'max_c');
  g.op('avgpool2d', { input: 'act_b.output' }, { kernelSize: 3, stride: 2, padding: 1 }, 'avg_d');
  g.op('upsample', { input: 'max_c.output' }, { mode: 'nearest', scaleFactor: 2 }, 'up_c');
  g.op('conv_transpose2d', { input: 'act_b.output' }, { outChannels: 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 }, 'convt');
  g.op('sigmoid', { input: 'convt.output' }, {}, 'sig');
  g.op('upsample', { input: 'act_b.output' }, { mode: 'bilinear', scaleFactor: 2, alignCorners: true }, 'up_ac');
  g.op('upsample', { input: 'act_b.output' }, { mode: 'bilinear', scaleFactor: 2 }, 'up_b');
  g.op('concat', { a: 'act_a.output', b: 'sig.output', c: 'up_ac.output', d: 'up_b.output' }, {}, 'cat');
  g.op('conv2d', { input: 'cat.output' }, { outChannels: 3, kernelSize: 1, padding: 0 }, 'mix');
  g.op('add', { a: 'mix.output', b: 'data.image' }, {}, 'residual');
  g.op('relu', { input: 'residual.output' }, {}, 'act_r');
  g.op('dropout', { input: 'act_r.output' }, { p: 0 }, 'drop');
  g.op('conv2d', { input: 'drop.output' }, { outChannels: 4, kernelSize: 1, padding: 0 }, 'seg');
  g.op('loss.cross_entropy', { input: 'seg.output', target: 'data.semantic' }, { weights: [0.5, 1, 2, 1], ignoreIndex: 3 }, 'ce');
  g.op('loss.mse', { input: 'drop.output', target: 'data.image' }, {}, 'mse');
  g.op('loss.l1', { input: 'up_c.output' }, { target: 0.25, reduction: 'sum' }, 'l1');
  g.op('flatten', { input: 'max_c.output' }, {}, 'flat');
  g.op('linear', { input: 'flat.output' }, { outFeatures: 32 }, 'fc1');
  g.op('reshape', { input: 'fc1.output' }, { shape: [4, 4, 2] }, 'unflat');
  g.op('concat', { a: 'unflat.output', b: 'avg_d.output' }, {}, 'cat2');
  g.op('conv2d', { input: 'cat2.output' }, { outChannels: 2, kernelSize: 3, padding: 1, bias: false }, 'conv_e');
  g.op('flatten', { input: 'conv_e.output' }, {}, 'flat2');
  g.op('concat', { a: 'flat2.output', b: 'fc1.output' }, {}, 'cat_v');
  g.op('linear', { input: 'cat_v.output' }, { outFeatures: 3, bias: false }, 'fc2');
  g.op('loss.bce_logits', { input: 'fc2.output', target: 'data.labels' }, {}, 'bce');
  g.optimizer({
    // SGD: an update proportional to the gradient compares gradients; Adam's first steps are ±lr whatever the gradient's size.
    type: 'sgd',
    id: 'sgd',
    modules: ['main'],
    lr: 1e-2,
    momentum: 0.9,
    weightDecay: 1e-3,
    losses: [
      { node: 'ce', weight: 1 },
      { node: 'mse', weight: 0.5 },
      { node: 'l1', weight: 1e-3 },
      { node: 'bce', weight: 1 },
      { node: 'ceil_probe', weight: 0.1 },
      { node: 'bce_pw', weight: 0.5 },
    ],
  });
  g.training({ batchSize: 4 });
  return g.build();
}

/**
 * A small GAN of general nodes with our multi-optimizer semantics in play:
 * one discriminator (with batch norm) shared by a real and a fake node, the
 * generator's output computed once and reused detached, D's loss node read
 * by G's optimizer, SGD with momentum and a step schedule with warm-up.
 */
export function ganGraph(order: 'D first' | 'G first'): GraphDocument {
  const g = new GraphBuilder({ name: `tiny GAN, ${order}` }, library);
  g.dataset('shapes.paired', { imageSize: 16 });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.A' }, { outChannels: 8, kernelSize: 3, padding: 1, bias: false }, 'g_conv1');
  g.op('batchnorm2d', { input: 'g_conv1.output' }, {}, 'g_bn');
  g.op('relu', { input: 'g_bn.output' }, {}, 'g_act');
  g.op('conv2d', { input: 'g_act.output' }, { outChannels: 3, kernelSize: 3, padding: 1 }, 'g_conv2');
  g.op('tanh', { input: 'g_conv2.output' }, {}, 'G');
  for (const [id, input] of [
    ['fake', 'G.output'],
    ['real', 'data.B'],
  ]) {
    g.op('concat', { a: 'data.A', b: input }, {}, `d_in_${id}`);
    g.op('conv2d', { input: `d_in_${id}.output` }, { outChannels: 8, kernelSize: 4, stride: 2, padding: 1, bias: false }, `d_conv1_${id}`);
    g.op('batchnorm2d', { input: `d_conv1_${id}.output` }, {}, `d_bn_${id}`);
    g.op('leaky_relu', { input: `d_bn_${id}.output` }, {}, `d_act_${id}`);
    g.op('conv2d', { input: `d_act_${id}.output` }, { outChannels: 1, kernelSize: 3, padding: 1 }, `D_${id}`);
  }
  for (const base of ['d_conv1', 'd_bn', 'D']) g.shareWeights(`${base}_real`, `${base}_fake`);
  g.op('loss.bce_logits', { input: 'D_fake.output' }, { target: 0 }, 'D_loss_fake');
  g.op('loss.bce_logits', { input: 'D_real.output' }, { target: 1 }, 'D_loss_real');
  g.op('loss.mse', { input: 'D_fake.output' }, { target: 1 }, 'G_loss_gan');
  g.op('loss.l1', { input: 'G.output', target: 'data.B' }, {}, 'G_loss_L1');
  g.module('Gen', 'Generator', ['g_conv1', 'g_bn', 'g_conv2'], 'normal0.02');
  g.module('Disc', 'Discriminator', ['d_conv1_fake', 'd_bn_fake', 'D_fake', 'd_conv1_real', 'd_bn_real', 'D_real'], 'normal0.02');
  const dOpt = {
    type: 'adam' as const,
    id: 'opt_D',
    modules: ['Disc'],
    lr: 2e-3,
    betas: [0.5, 0.999] as [number, number],
    losses: [
      { node: 'D_loss_fake', weight: 0.5 },
      { node: 'D_loss_real', weight: 0.5 },
    ],
  };
  const gOpt = {
    type: 'sgd' as const,
    id: 'opt_G',
    modules: ['Gen'],
    lr: 5e-2,
    momentum: 0.9,
    nesterov: true,
    schedule: { type: 'step' as const, stepSize: 2, gamma: 0.5 },
    warmup: { steps: 2, startFactor: 0.1 },
    losses: [
      { node: 'G_loss_gan', weight: 1 },
      { node: 'G_loss_L1', weight: 10 },
    ],
  };
  for (const o of order === 'D first' ? [dOpt, gOpt] : [gOpt, dOpt]) g.optimizer(o);
  g.training({ batchSize: 2 });
  return g.build();
}


/** Reflection padding, standalone and inside a conv (CycleGAN's generators use both). */
export function reflectGraph(): GraphDocument {
  const g = new GraphBuilder({ name: 'reflection padding' }, library);
  g.dataset('shapes', { imageSize: 16, maxObjects: 2, valueRange: '-1..1' });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.image' }, { outChannels: 4, kernelSize: 3, padding: 1, paddingMode: 'reflect' }, 'conv_r');
  g.op('tanh', { input: 'conv_r.output' }, {}, 'act');
  g.op('reflection_pad2d', { input: 'act.output' }, { padding: 2 }, 'pad');
  g.op('conv2d', { input: 'pad.output' }, { outChannels: 3, kernelSize: 5, padding: 0 }, 'conv_p');
  g.op('loss.mse', { input: 'conv_p.output', target: 'data.image' }, {}, 'mse');
  g.optimizer({ type: 'sgd', id: 'sgd', modules: ['main'], lr: 1e-1, losses: [{ node: 'mse', weight: 1 }] });
  g.training({ batchSize: 2 });
  return g.build();
}
