/**
 * Pieces the detection nodes share: reading structured port values, the
 * initialisers detectron2 uses, and small layer builders for composite
 * nodes (a backbone or head creates many weights in one build).
 */
import { tf } from '../../core/tf';
import { normal, uniform, zeros, ones } from '../../core/init';
import type { BuildContext, Initializer, Value } from '../../core/node-api';
import { conv2dTorch } from '../../core/ops/conv';
import { batchNorm } from '../../core/ops/norm';
import { levelIndex } from '../../core/ops/detection/pyramid';
import { ShapeError } from '../../core/node-api';
import { formatShape, type ValueType } from '../../core/types';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyBuildContext = BuildContext<any, any, any>;

/** detectron2 c2_msra_fill: He normal with fan-out, for convs followed by ReLU; biases zero. */
export const msraFill = (fanOut: number): Initializer => normal(0, Math.sqrt(2 / fanOut));

/** detectron2 c2_xavier_fill: kaiming_uniform(a=1), U(±√(3/fanIn)); biases zero. */
export const xavierFill = (fanIn: number): Initializer => {
  const bound = Math.sqrt(3 / fanIn);
  return uniform(-bound, bound);
};

/** Levels of a pyramid value at run time, finest first. */
export function pyramidOf(value: Value | undefined, port: string): { name: string; index: number; tensor: tf.Tensor4D }[] {
  if (value === undefined) throw new Error(`input '${port}' received no value: wire it to a pyramid output`);
  if (value instanceof tf.Tensor) {
    throw new Error(`input '${port}' received a single tensor [${value.shape.join(', ')}], not a feature pyramid: wire a backbone or FPN 'features' output`);
  }
  return Object.entries(value)
    .map(([name, tensor]) => {
      const index = levelIndex(name);
      if (index === undefined) throw new Error(`input '${port}' has a level '${name}'; pyramid levels are named P2…P7 or C2…C5`);
      if (tensor.rank !== 4) throw new Error(`level ${name} of input '${port}' must be N×H×W×C, got [${tensor.shape.join(', ')}]`);
      return { name, index, tensor: tensor as tf.Tensor4D };
    })
    .sort((a, b) => a.index - b.index);
}

/** A structured 'target' value's field, or an error naming the port and field. */
export function fieldOf(value: Value | undefined, port: string, field: string): tf.Tensor {
  if (value === undefined || value instanceof tf.Tensor || !value[field]) {
    throw new Error(`input '${port}' must carry the '${field}' field of roi_heads.sample's targets; wire its 'targets' output`);
  }
  return value[field];
}

/** Checks a dense port's rank and returns its shape. */
export function expectRank(t: ValueType | undefined, port: string, rank: number, what: string): readonly (number | string)[] {
  if (!t?.shape || t.shape.length !== rank) {
    throw new ShapeError(`input '${port}' must be ${what}, got ${t ? (t.shape ? formatShape(t.shape) : t.kind) : 'nothing'}`, { port });
  }
  return t.shape;
}

export interface Conv {
  (x: tf.Tensor4D): tf.Tensor4D;
  outChannels: number;
}

/** A conv layer inside a composite node; weights are named `${name}.kernel` and `${name}.bias`. */
export function makeConv(
  ctx: AnyBuildContext,
  name: string,
  inChannels: number,
  outChannels: number,
  kernel: number,
  options: { stride?: number; padding?: number; bias?: boolean; init?: Initializer } = {},
): Conv {
  const init = options.init ?? msraFill(outChannels * kernel * kernel);
  const w = ctx.weight(`${name}.kernel`, [kernel, kernel, inChannels, outChannels], init);
  const b = options.bias === false ? null : ctx.weight(`${name}.bias`, [outChannels], zeros);
  const conv = ((x: tf.Tensor4D) => conv2dTorch(x, w, b, { stride: options.stride ?? 1, padding: options.padding ?? 0 })) as Conv;
  conv.outChannels = outChannels;
  return conv;
}

export type Norm = (x: tf.Tensor4D, mode: { training: boolean; updateStats: boolean }) => tf.Tensor4D;

/** BatchNorm2d with PyTorch defaults, or nothing. */
export function makeNorm(ctx: AnyBuildContext, name: string, channels: number, kind: 'batch' | 'none'): Norm {
  if (kind === 'none') return (x) => x;
  const gamma = ctx.weight(`${name}.gamma`, [channels], ones);
  const beta = ctx.weight(`${name}.beta`, [channels], zeros);
  const running = {
    mean: ctx.weight(`${name}.runningMean`, [channels], zeros, { trainable: false }),
    variance: ctx.weight(`${name}.runningVar`, [channels], ones, { trainable: false }),
  };
  return (x, mode) => batchNorm(x, { gamma, beta, running, training: mode.training, updateStats: mode.updateStats }) as tf.Tensor4D;
}

/** A fully connected layer [R, in] → [R, out] named `${name}.kernel` / `${name}.bias`. */
export function makeLinear(ctx: AnyBuildContext, name: string, inFeatures: number, outFeatures: number, init: Initializer) {
  const w = ctx.weight(`${name}.kernel`, [inFeatures, outFeatures], init);
  const b = ctx.weight(`${name}.bias`, [outFeatures], zeros);
  return (x: tf.Tensor2D) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
}

/** Per-image ground truth read from the dataset's padded boxes N×K×4 and classes N×K (class 0 = padding). */
export interface ImageTruth {
  boxes: Float32Array;
  classes: Int32Array;
  /** Position of each kept box in the padded K list (masks are indexed by it). */
  slots: Int32Array;
}

export function readTruth(boxes: tf.Tensor, classes: tf.Tensor, numClasses?: number, nodeHint = 'this node'): ImageTruth[] {
  const [n, k] = classes.shape;
  if (boxes.rank !== 3 || boxes.shape[0] !== n || boxes.shape[1] !== k || boxes.shape[2] !== 4) {
    throw new Error(`ground-truth boxes [${boxes.shape.join(', ')}] and classes [${classes.shape.join(', ')}] must be N×K×4 and N×K`);
  }
  const boxValues = boxes.dataSync();
  const classValues = classes.dataSync();
  const out: ImageTruth[] = [];
  for (let b = 0; b < n; b++) {
    const kept: number[] = [];
    for (let j = 0; j < k; j++) {
      const cls = classValues[b * k + j];
      if (cls <= 0) continue;
      if (numClasses !== undefined && cls > numClasses) {
        throw new Error(
          `ground-truth class ${cls} (image ${b}, object ${j}) is above numClasses ${numClasses} of ${nodeHint}: set numClasses to the dataset's number of classes`,
        );
      }
      const at = (b * k + j) * 4;
      // Empty boxes cannot be regressed to (log of a zero size); they carry no object.
      if (!(boxValues[at + 2] > boxValues[at] && boxValues[at + 3] > boxValues[at + 1])) continue;
      kept.push(j);
    }
    const truth: ImageTruth = { boxes: new Float32Array(kept.length * 4), classes: new Int32Array(kept.length), slots: Int32Array.from(kept) };
    kept.forEach((j, i) => {
      truth.boxes.set(boxValues.subarray((b * k + j) * 4, (b * k + j) * 4 + 4), 4 * i);
      truth.classes[i] = classValues[b * k + j];
    });
    out.push(truth);
  }
  return out;
}

/** Sum over every element of a masked elementwise loss, divided by `normalizer` (0 stays 0). */
export function normalizedSum(x: tf.Tensor, normalizer: number): tf.Scalar {
  return tf.div(tf.sum(x), Math.max(normalizer, 1)) as tf.Scalar;
}

/** detectron2 smooth_l1_loss: L1 when beta is 0 (its default for box regression), elementwise. */
export function smoothL1(diff: tf.Tensor, beta: number): tf.Tensor {
  const a = tf.abs(diff);
  if (beta < 1e-5) return a;
  return tf.where(tf.less(a, beta), tf.div(tf.mul(tf.square(diff), 0.5), beta), tf.sub(a, 0.5 * beta));
}
