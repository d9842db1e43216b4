/**
 * Layer closures for the composite generative nodes (a whole U-Net or
 * ResNet generator inside one node) and their finer block nodes, so both
 * run exactly the same code. Weights are created through a scoped weight
 * function: 'down3/kernel', 'down3/norm/gamma' — the last segment keeps its
 * role, so the module option init 'normal0.02' still recognises it.
 */
import { tf } from '../../core/tf';
import { p } from '../../core/params';
import { ones, pytorchDefault, zeros } from '../../core/init';
import type { Initializer, RunMode, WeightOptions } from '../../core/node-api';
import { conv2dTorch, convTranspose2dTorch, type PaddingMode } from '../../core/ops/conv';
import { batchNorm, instanceNorm } from '../../core/ops/norm';
import { dropoutMask } from '../dropout';

export type WeightFn = (name: string, shape: number[], init: Initializer, options?: WeightOptions) => tf.Variable;
export type Layer = (x: tf.Tensor4D, mode: RunMode) => tf.Tensor4D;
export type NormKind = 'batch' | 'instance' | 'none';

export const normParam = (defaultKind: NormKind, doc: string) =>
  p.enum({ options: ['batch', 'instance', 'none'], default: defaultKind, doc });

/**
 * The references' use_bias rule: convolutions followed by batch norm carry
 * no bias (the norm's β replaces it); with instance norm (no affine) they do.
 * Without any norm we keep the bias, which the references would drop.
 */
export function biasFor(norm: NormKind): boolean {
  return norm !== 'batch';
}

export function scoped(weight: WeightFn, scope: string): WeightFn {
  return (name, shape, init, options) => weight(`${scope}/${name}`, shape, init, options);
}

export interface ConvSpec {
  stride?: number;
  padding?: number;
  paddingMode?: PaddingMode;
  bias: boolean;
}

/** nn.Conv2d(inC, outC, k) with PyTorch's default initialisation. */
export function convLayer(weight: WeightFn, inC: number, outC: number, k: number, spec: ConvSpec): Layer {
  const fanIn = inC * k * k;
  const kernel = weight('kernel', [k, k, inC, outC], pytorchDefault(fanIn));
  const bias = spec.bias ? weight('bias', [outC], pytorchDefault(fanIn)) : null;
  const options = { stride: spec.stride ?? 1, padding: spec.padding ?? 0, paddingMode: spec.paddingMode ?? 'zeros' };
  return (x) => conv2dTorch(x, kernel, bias, options);
}

/** nn.ConvTranspose2d(inC, outC, k); PyTorch takes the fan-in from outC·k². */
export function convTransposeLayer(
  weight: WeightFn,
  inC: number,
  outC: number,
  k: number,
  spec: { stride: number; padding: number; outputPadding?: number; bias: boolean },
): Layer {
  const fanIn = outC * k * k;
  const kernel = weight('kernel', [k, k, outC, inC], pytorchDefault(fanIn));
  const bias = spec.bias ? weight('bias', [outC], pytorchDefault(fanIn)) : null;
  const options = { stride: spec.stride, padding: spec.padding, outputPadding: spec.outputPadding ?? 0 };
  return (x) => convTranspose2dTorch(x, kernel, bias, options);
}

/**
 * The references' norm layers: BatchNorm2d (affine, running statistics,
 * momentum 0.1, eps 1e-5) or InstanceNorm2d (no affine, no running
 * statistics), or nothing.
 */
export function normLayer(weight: WeightFn, kind: NormKind, channels: number): Layer {
  if (kind === 'none') return (x) => x;
  if (kind === 'instance') return (x) => instanceNorm(x);
  const gamma = weight('gamma', [channels], ones);
  const beta = weight('beta', [channels], zeros);
  const running = {
    mean: weight('runningMean', [channels], zeros, { trainable: false }),
    variance: weight('runningVar', [channels], ones, { trainable: false }),
  };
  return (x, mode) =>
    batchNorm(x, { gamma, beta, running, training: mode.training, updateStats: mode.updateStats }) as tf.Tensor4D;
}

/**
 * nn.Dropout(p): each dropout layer draws from its own named sub-stream of
 * the node's per-step generator, so a recomputed forward drops the same values.
 */
export function dropoutLayer(rate: number, label: string): Layer {
  if (rate <= 0) return (x) => x;
  return (x, mode) => {
    if (!mode.training) return x;
    return tf.mul(x, tf.tensor(dropoutMask(x.size, rate, mode.rng.fork(label)), x.shape, 'float32')) as tf.Tensor4D;
  };
}

export const reflectPad =
  (pad: number): Layer =>
  (x) =>
    pad === 0 ? x : tf.mirrorPad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]], 'reflect');

export const leakyRelu02: Layer = (x) => tf.leakyRelu(x, 0.2);
export const reluLayer: Layer = (x) => tf.relu(x);

export function sequence(...layers: Layer[]): Layer {
  return (x, mode) => layers.reduce((y, layer) => layer(y, mode), x);
}
