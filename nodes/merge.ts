/**
 * Nodes that combine several inputs: residual sums and skip concatenations.
 */
import { defineNode, ShapeError, type Value } from '../core/node-api';
import { p } from '../core/params';
import { tf } from '../core/tf';
import { expectDense, shapeDifference } from '../core/ops/shape';
import { tensorOf } from '../core/ops/value';
import { formatShape, type Dim, type ValueType } from '../core/types';
import { noArithmetic, perOutputElement } from './flops';
import { torchAxis } from '../core/export/python';

const PORTS = ['a', 'b', 'c', 'd'] as const;

const mergeInputs = {
  a: { kinds: ['tensor'], doc: 'First input.' },
  b: { kinds: ['tensor'], doc: 'Second input.' },
  c: { kinds: ['tensor'], doc: 'Optional third input.', optional: true },
  d: { kinds: ['tensor'], doc: 'Optional fourth input.', optional: true },
} as const;

function wired(inputs: Partial<Record<(typeof PORTS)[number], ValueType | undefined>>): [string, ValueType][] {
  return PORTS.flatMap((port) => (inputs[port] ? [[port, inputs[port]] as [string, ValueType]] : []));
}

function wiredTensors(values: Partial<Record<(typeof PORTS)[number], Value | undefined>>): tf.Tensor[] {
  return PORTS.filter((port) => values[port] !== undefined).map((port) => tensorOf(values[port], port));
}

export const add = defineNode({
  type: 'add',
  version: 1,
  category: 'layers',
  title: 'Add',
  doc:
    'Elementwise sum of two to four tensors of exactly the same shape (x + y in PyTorch, without broadcasting, so a ' +
    'mismatch is reported rather than silently broadcast). Residual connections (ResNet blocks), FPN top-down merges ' +
    'and hourglass skips.',
  inputs: mergeInputs,
  outputs: { output: { kind: 'image', doc: 'The sum, same shape and kind as input a.' } },
  params: {},
  inferShape({ inputs }) {
    const all = wired(inputs);
    const [, first] = all[0];
    const shape = expectDense(first, 'a');
    for (const [port, t] of all.slice(1)) {
      const other = expectDense(t, port);
      const diff = shapeDifference(other, shape);
      if (diff) {
        throw new ShapeError(
          `input '${port}' is ${formatShape(other)} but 'a' is ${formatShape(shape)} (${diff}): add needs equal shapes; ` +
            'match channels with a 1×1 conv2d or sizes with upsample/pooling before adding',
          { port },
        );
      }
    }
    return { output: { kind: first.kind, shape } };
  },
  flops: perOutputElement(1),
  build: () => ({ forward: (values) => ({ output: tf.addN(wiredTensors(values)) }) }),
  pytorch: { forward: (a) => ({ output: PORTS.filter((port) => a.in[port]).map((port) => a.in[port]).join(' + ') }) },
});

const AXES = { channels: -1, height: 1, width: 2 } as const;

export const concat = defineNode({
  type: 'concat',
  version: 1,
  category: 'layers',
  title: 'Concat',
  doc:
    'Joins two to four tensors along one axis, torch.cat. Along channels (PyTorch dim=1 for NCHW, the last axis here) ' +
    'the other dims must match: U-Net skip connections, conditional GANs feeding an image together with its condition. ' +
    'Height and width joins apply to feature maps only.',
  inputs: mergeInputs,
  outputs: { output: { kind: 'image', doc: 'The joined tensor, kind of input a.' } },
  params: {
    axis: p.enum({
      options: ['channels', 'height', 'width'],
      default: 'channels',
      doc: 'Axis to join along: channels (last axis, also for vectors), height or width (feature maps only).',
    }),
  },
  inferShape({ inputs, params }) {
    const all = wired(inputs);
    const [, first] = all[0];
    const shape = expectDense(first, 'a');
    const axis = params.axis === 'channels' ? shape.length - 1 : AXES[params.axis];
    if (shape.length < 2 || (params.axis !== 'channels' && shape.length !== 4)) {
      throw new ShapeError(
        `input 'a' is ${formatShape(shape)}: joining along ${params.axis} needs N×H×W×C maps; use axis channels`,
        { param: 'axis' },
      );
    }
    let total: Dim = 0;
    for (const [port, t] of all) {
      const other = expectDense(t, port);
      const rest = (s: readonly Dim[]) => s.map((d, i) => (i === axis ? 0 : d));
      const diff = other.length === shape.length ? shapeDifference(rest(other), rest(shape)) : `rank ${other.length} vs ${shape.length}`;
      if (diff) {
        throw new ShapeError(
          `input '${port}' is ${formatShape(other)} but 'a' is ${formatShape(shape)} (${diff}): all dims except ${params.axis} must match; ` +
            'resize with upsample/pooling or crop before concatenating',
          { port },
        );
      }
      const size = other[axis];
      total = typeof total === 'number' && typeof size === 'number' ? total + size : String(size);
    }
    return { output: { kind: first.kind, shape: shape.map((d, i) => (i === axis ? total : d)) } };
  },
  flops: noArithmetic,
  build: ({ params }) => ({
    forward: (values) => {
      const tensors = wiredTensors(values);
      const axis = params.axis === 'channels' ? tensors[0].rank - 1 : AXES[params.axis];
      return { output: tf.concat(tensors, axis) };
    },
  }),
  pytorch: {
    forward: (a) => {
      const rank = a.inputs.a?.shape?.length ?? 4;
      const axis = torchAxis(a.params.axis === 'channels' ? rank - 1 : AXES[a.params.axis], rank);
      return { output: `torch.cat([${PORTS.filter((port) => a.in[port]).map((port) => a.in[port]).join(', ')}], dim=${axis})` };
    },
  },
});
