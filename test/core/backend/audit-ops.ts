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
import { bceWithLogits, bceWithLogitsElementwise, type Reduction } from '../../../core/ops/losses';

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
  instanceNorm: ({ x, gamma, beta }) => instanceNorm(x as tf.Tensor4D, 1e-5, { gamma, beta }),
};
