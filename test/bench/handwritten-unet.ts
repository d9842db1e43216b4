/**
 * The benchmark's reference: pix2pix's U-Net (num_downs = log2(size), ngf,
 * BatchNorm, dropout in the innermost ngf·8 up blocks, tanh) and an L1 loss,
 * written directly against tfjs ops with tf.train.adam. The graph version
 * must train as fast as this (graph / hand-written ≤ 1.05).
 */
import { tf } from '../../core/tf';

interface Block {
  down: tf.Variable;
  downNorm?: { gamma: tf.Variable; beta: tf.Variable; mean: tf.Variable; variance: tf.Variable };
  up: tf.Variable;
  upBias?: tf.Variable;
  upNorm?: { gamma: tf.Variable; beta: tf.Variable; mean: tf.Variable; variance: tf.Variable };
  dropout: boolean;
}

function uniform(shape: number[], bound: number): tf.Variable {
  return tf.variable(tf.randomUniform(shape, -bound, bound, 'float32', 1));
}

function norm(channels: number) {
  return {
    gamma: tf.variable(tf.ones([channels])),
    beta: tf.variable(tf.zeros([channels])),
    mean: tf.variable(tf.zeros([channels]), false),
    variance: tf.variable(tf.ones([channels]), false),
  };
}

function batchNorm(x: tf.Tensor4D, n: NonNullable<Block['downNorm']>): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  const count = x.shape[0] * x.shape[1] * x.shape[2];
  n.mean.assign(tf.add(tf.mul(n.mean, 0.9), tf.mul(mean, 0.1)));
  n.variance.assign(tf.add(tf.mul(n.variance, 0.9), tf.mul(variance, (0.1 * count) / (count - 1))));
  return tf.batchNorm(x, mean, variance, n.beta, n.gamma, 1e-5) as tf.Tensor4D;
}

export function buildHandwrittenUnet(options: { size: number; inChannels: number; outChannels: number; ngf: number }) {
  const depth = Math.log2(options.size);
  const blocks: Block[] = [];
  const channelsAt = (level: number) => options.ngf * Math.min(2 ** level, 8);
  for (let level = 0; level < depth; level++) {
    const inC = level === 0 ? options.inChannels : channelsAt(level - 1);
    const outC = channelsAt(level);
    const innermost = level === depth - 1;
    const outermost = level === 0;
    const upIn = innermost ? outC : outC * 2;
    const upOut = outermost ? options.outChannels : inC;
    blocks.push({
      down: uniform([4, 4, inC, outC], 1 / Math.sqrt(inC * 16)),
      downNorm: outermost || innermost ? undefined : norm(outC),
      up: uniform([4, 4, upOut, upIn], 1 / Math.sqrt(upOut * 16)),
      upBias: outermost ? uniform([upOut], 1 / Math.sqrt(upOut * 16)) : undefined,
      upNorm: outermost ? undefined : norm(upOut),
      dropout: !innermost && !outermost && level >= 4 && level < depth - 1,
    });
  }
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [1, 1], [1, 1], [0, 0]];

  const run = (x: tf.Tensor4D, level: number): tf.Tensor4D => {
    const b = blocks[level];
    const outermost = level === 0;
    let h = outermost ? x : tf.leakyRelu(x, 0.2);
    h = tf.conv2d(h, b.down as tf.Tensor4D, 2, pad);
    if (b.downNorm) h = batchNorm(h, b.downNorm);
    if (level < blocks.length - 1) h = run(h, level + 1);
    h = tf.relu(h);
    const [n, hh, ww] = h.shape;
    let u = tf.conv2dTranspose(h, b.up as tf.Tensor4D, [n, hh * 2, ww * 2, b.up.shape[2]!], 2, 'same');
    if (b.upBias) u = tf.add(u, b.upBias) as tf.Tensor4D;
    if (b.upNorm) u = batchNorm(u, b.upNorm);
    if (b.dropout) u = tf.dropout(u, 0.5) as tf.Tensor4D;
    return outermost ? tf.tanh(u) : tf.concat([x, u], 3);
  };

  const optimizer = tf.train.adam(2e-4, 0.5, 0.999, 1e-8);
  const trainable = blocks.flatMap((b) => [b.down, b.up, b.upBias, b.downNorm?.gamma, b.downNorm?.beta, b.upNorm?.gamma, b.upNorm?.beta]).filter((v): v is tf.Variable => !!v);

  return {
    step(input: tf.Tensor4D, target: tf.Tensor4D): number {
      const loss = optimizer.minimize(() => tf.mean(tf.abs(tf.sub(run(input, 0), target))) as tf.Scalar, true, trainable)!;
      const value = loss.dataSync()[0];
      loss.dispose();
      return value;
    },
    dispose() {
      optimizer.dispose();
      for (const b of blocks) {
        for (const v of [b.down, b.up, b.upBias]) v?.dispose();
        for (const n of [b.downNorm, b.upNorm]) if (n) for (const v of Object.values(n)) v.dispose();
      }
    },
  };
}
