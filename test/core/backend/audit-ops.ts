/**
 * The ops the kernel audit runs, by the `op` name its PyTorch cases
 * (test/fixtures/audit/*.json, written by make_audit.py) give. Each is the
 * Tensorweave function a node calls, so a case checks the kernels and
 * gradients that node reaches, not a stand-in.
 */
import { tf } from '../../../core/tf';
import { avgPool2dTorch, maxPool2dTorch } from '../../../core/ops/pool';
import { batchNorm, instanceNorm } from '../../../core/ops/norm';
import { conv2dTorch, convTranspose2dTorch, type PaddingMode } from '../../../core/ops/conv';
import { bceWithLogits, bceWithLogitsElementwise, crossEntropy, l1Loss, mseLoss, type Reduction } from '../../../core/ops/losses';
import { bilinearResizeWith, interpolationMatrices, nearestUpsample, type BilinearMethod } from '../../../core/ops/resize';
import { broadcastToMap, detachedReplacement } from '../../../core/ops/generative';

export type AuditOp = (inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) => tf.Tensor;

type Paddings = Array<[number, number]>;

export const AUDIT_OPS: Record<string, AuditOp> = {
  mirrorPad: ({ x }, a) => tf.mirrorPad(x, a.paddings as Paddings, a.mode as 'reflect' | 'symmetric'),
  pad: ({ x }, a) => tf.pad(x, a.paddings as Paddings),
  maxPool2d: ({ x }, a) =>
    maxPool2dTorch(x as tf.Tensor4D, { kernel: a.kernel as number, stride: a.stride as number, padding: a.padding as number, ceilMode: a.ceilMode as boolean }),
  avgPool2d: ({ x }, a) =>
    avgPool2dTorch(x as tf.Tensor4D, {
      kernel: a.kernel as number,
      stride: a.stride as number,
      padding: a.padding as number,
      ceilMode: a.ceilMode as boolean,
      countIncludePad: a.countIncludePad as boolean,
    }),
  conv2d: ({ x, w, b }, a) =>
    conv2dTorch(x as tf.Tensor4D, w, b ?? null, {
      stride: a.stride as number,
      padding: a.padding as number,
      dilation: a.dilation as number,
      paddingMode: a.paddingMode as PaddingMode,
      groups: a.groups as number,
    }),
  convTranspose2d: ({ x, w, b }, a) =>
    convTranspose2dTorch(x as tf.Tensor4D, w, b ?? null, {
      stride: a.stride as number,
      padding: a.padding as number,
      outputPadding: a.outputPadding as number,
      dilation: a.dilation as number,
    }),
  batchNorm: ({ x, gamma, beta }) => batchNorm(x, { training: true, updateStats: false, gamma, beta }),
  batchNormEval: ({ x, gamma, beta, mean, var: variance }) =>
    tf.tidy(() => {
      const running = { mean: tf.variable(mean, false), variance: tf.variable(variance, false) };
      return batchNorm(x, { training: false, updateStats: false, gamma, beta, running });
    }),
  bceElementwise: ({ x, t }, a) => bceWithLogitsElementwise(x, t, a.posWeight as number),
  bce: ({ x, t }, a) => bceWithLogits(x, t, a.reduction as Reduction, a.posWeight as number),
  bceConstant: ({ x }, a) => bceWithLogits(x, a.target as number),
  relu: ({ x }) => tf.relu(x),
  leakyRelu: ({ x }, a) => tf.leakyRelu(x, a.slope as number),
  tanh: ({ x }) => tf.tanh(x),
  sigmoid: ({ x }) => tf.sigmoid(x),
  linear: ({ x, w, b }) => (b ? tf.add(tf.matMul(x, w), b) : tf.matMul(x, w)),
  nearest: ({ x }, a) => nearestUpsample(x as tf.Tensor4D, a.scale as [number, number]),
  bilinear: ({ x }, a) =>
    tf.tidy(() => {
      const size = a.size as [number, number];
      const matrices = interpolationMatrices([x.shape[1]!, x.shape[2]!], size, a.alignCorners as boolean);
      return bilinearResizeWith(x as tf.Tensor4D, matrices, a.method as BilinearMethod);
    }),
  broadcastToMap: ({ x }, a) => broadcastToMap(x, a.height as number, a.width as number),
  addN: ({ a: first, b: second, c: third }) => tf.addN([first, second, third]),
  concat: ({ a: first, b: second }, a) => tf.concat([first, second], a.axis as number),
  detached: ({ x }, a) => detachedReplacement(x, Float32Array.from(a.values as number[])),
  embedding: ({ labels, table }, a) => tf.matMul(tf.cast(tf.oneHot(labels as tf.Tensor1D, a.classes as number), 'float32'), table),
  l1: ({ x, t }, a) => l1Loss(x, t, a.reduction as Reduction),
  mse: ({ x, t }, a) => mseLoss(x, t, a.reduction as Reduction),
  crossEntropy: ({ x, labels }, a) =>
    tf.tidy(() =>
      crossEntropy(x, labels, {
        weights: a.weights ? tf.tensor1d(a.weights as number[]) : null,
        ignoreIndex: a.ignoreIndex as number | undefined,
        reduction: (a.reduction as Reduction | undefined) ?? 'mean',
      }),
    ),
  crossEntropyProbs: ({ x, p }) => crossEntropy(x, p),
  instanceNorm: ({ x, gamma, beta }) => instanceNorm(x as tf.Tensor4D, 1e-5, { gamma, beta }),
};
