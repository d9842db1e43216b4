/**
 * Chained tensor methods (`x.reshape(...)`, `x.sum()`). tfjs registers them
 * from ESM modules that Node cannot load, and a few of tfjs's own gradient
 * functions call them (gather with batchDims uses `x.split`), so a missing
 * method would surface as "x.split is not a function" deep inside training.
 * Each method forwards to the op of the same name with the tensor first,
 * as tfjs's own chained ops do.
 */
import * as tf from '@tensorflow/tfjs-core';

const SAME_NAME = [
  'abs', 'acos', 'acosh', 'add', 'all', 'any', 'argMax', 'argMin', 'asin', 'asinh', 'atan', 'atan2', 'atanh',
  'batchNorm', 'batchToSpaceND', 'broadcastTo', 'cast', 'ceil', 'clipByValue', 'conv1d', 'conv2d', 'cos', 'cosh',
  'cumprod', 'cumsum', 'depthToSpace', 'div', 'divNoNan', 'dot', 'elu', 'equal', 'erf', 'euclideanNorm', 'exp',
  'expandDims', 'expm1', 'floor', 'floorDiv', 'gather', 'greater', 'greaterEqual', 'isFinite', 'isInf', 'isNaN',
  'leakyRelu', 'less', 'lessEqual', 'log', 'log1p', 'logSigmoid', 'logSoftmax', 'logSumExp', 'logicalAnd',
  'logicalNot', 'logicalOr', 'logicalXor', 'matMul', 'max', 'maximum', 'mean', 'min', 'minimum', 'mirrorPad', 'mod',
  'mul', 'neg', 'norm', 'notEqual', 'oneHot', 'onesLike', 'pad', 'pool', 'pow', 'prelu', 'prod', 'reciprocal', 'relu',
  'relu6', 'reshape', 'reverse', 'round', 'rsqrt', 'selu', 'sigmoid', 'sign', 'sin', 'sinh', 'slice', 'softmax',
  'softplus', 'spaceToBatchND', 'split', 'sqrt', 'square', 'squaredDifference', 'squeeze', 'step', 'stridedSlice',
  'sub', 'sum', 'tan', 'tanh', 'tile', 'topk', 'transpose', 'unique', 'unstack', 'zerosLike',
] as const;

type AnyFn = (...args: unknown[]) => unknown;
const ops = tf as unknown as Record<string, AnyFn>;
const proto = (tf.Tensor.prototype as unknown) as Record<string, unknown>;

function define(name: string, fn: (this: tf.Tensor, ...args: unknown[]) => unknown): void {
  if (typeof proto[name] === 'function') return;
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true });
}

for (const name of SAME_NAME) {
  const op = ops[name];
  if (typeof op !== 'function') continue;
  define(name, function (...args) {
    return op(this, ...args);
  });
}
const rank = (shape: (t: tf.Tensor) => number[]) =>
  function (this: tf.Tensor) {
    return tf.reshape(this, shape(this));
  };
define('asScalar', rank(() => []));
define('as1D', rank((t) => [t.size]));
define('as2D', function (this: tf.Tensor, ...args) {
  return tf.reshape(this, args as number[]);
});
define('as3D', function (this: tf.Tensor, ...args) {
  return tf.reshape(this, args as number[]);
});
define('as4D', function (this: tf.Tensor, ...args) {
  return tf.reshape(this, args as number[]);
});
define('as5D', function (this: tf.Tensor, ...args) {
  return tf.reshape(this, args as number[]);
});
define('asType', function (this: tf.Tensor, dtype) {
  return tf.cast(this, dtype as tf.DataType);
});
define('toFloat', function (this: tf.Tensor) {
  return tf.cast(this, 'float32');
});
define('toInt', function (this: tf.Tensor) {
  return tf.cast(this, 'int32');
});
define('toBool', function (this: tf.Tensor) {
  return tf.cast(this, 'bool');
});
define('reshapeAs', function (this: tf.Tensor, other) {
  return tf.reshape(this, (other as tf.Tensor).shape);
});
define('concat', function (this: tf.Tensor, x, axis) {
  const rest = x instanceof tf.Tensor ? [x] : (x as tf.Tensor[]);
  return tf.concat([this, ...rest], axis as number | undefined);
});
define('stack', function (this: tf.Tensor, x, axis) {
  const rest = x instanceof tf.Tensor ? [x] : (x as tf.Tensor[]);
  return tf.stack([this, ...rest], axis as number | undefined);
});
define('where', function (this: tf.Tensor, condition, x) {
  return tf.where(condition as tf.Tensor, this, x as tf.Tensor);
});
