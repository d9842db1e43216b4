/**
 * A small registry of test-local node and dataset types, so the graph
 * machinery is tested apart from the real nodes (which are written
 * separately), plus a valid graph built from them.
 */
import { defineNode, ShapeError, type AnyNodeDefinition } from '../../../core/node-api';
import { defineDataset, type AnyDatasetDefinition } from '../../../core/data/dataset-api';
import { p } from '../../../core/params';
import type { GraphRegistries } from '../../../core/graph/registries';
import type { ValueType } from '../../../core/types';

/** Graph checks never build nodes; a test that reaches here is wrong. */
function notBuiltHere(): never {
  throw new Error('graph tests only infer shapes; building belongs to compiler tests');
}

/**
 * Nodes with weights declare them in build; validation dry-builds a node to
 * count them (and never runs the forward pass).
 */
function weightsOnly(shapes: (params: Record<string, number | string>, inputs: Record<string, ValueType>) => number[][]) {
  return (ctx: { params: Record<string, number | string>; inputs: Record<string, ValueType>; weight: (name: string, shape: number[], init: () => Float32Array) => unknown }) => {
    shapes(ctx.params, ctx.inputs).forEach((shape, i) => ctx.weight(`w${i}`, shape, () => new Float32Array(0)));
    return { forward: notBuiltHere };
  };
}

const imageIn = defineNode({
  type: 'image_in',
  version: 1,
  category: 'io',
  title: 'Image Input',
  doc: 'Images from the dataset.',
  inputs: {},
  outputs: { image: { kind: 'image', doc: 'N×H×W×3 images.' } },
  params: {},
  inferShape({ dataset }) {
    const field = dataset?.fields.image;
    if (!field) throw new ShapeError('the dataset has no image field');
    return { image: field };
  },
  build: notBuiltHere,
});

const labelsIn = defineNode({
  type: 'labels_in',
  version: 1,
  category: 'io',
  title: 'Labels Input',
  doc: 'Class labels from the dataset.',
  inputs: {},
  outputs: { labels: { kind: 'labels', doc: 'N class ids.' } },
  params: {},
  inferShape({ dataset }) {
    const field = dataset?.fields.label;
    if (!field) throw new ShapeError('the dataset has no label field');
    return { labels: field };
  },
  build: notBuiltHere,
});

const conv2d = defineNode({
  type: 'conv2d',
  version: 2,
  category: 'layers',
  title: 'Conv2D',
  doc: '2-D convolution.',
  inputs: { x: { kinds: ['image'], doc: 'Input feature map.' } },
  outputs: { y: { kind: 'image', doc: 'Output feature map.' } },
  params: {
    filters: p.int({ default: 8, min: 1, max: 4096, doc: 'Output channels.' }),
    kernel: p.int({ default: 3, min: 1, max: 7, doc: 'Kernel size.' }),
    padding: p.enum({ options: ['same', 'valid'], default: 'same', doc: 'Padding mode.' }),
  },
  inferShape({ inputs, params }) {
    const shape = inputs.x.shape;
    if (!shape || shape.length !== 4) throw new ShapeError(`input 'x' must be N×H×W×C, got rank ${shape?.length ?? 0}`, { port: 'x' });
    const [n, h, w] = shape;
    const shrink = params.padding === 'valid' ? params.kernel - 1 : 0;
    const out = (d: number | string) => (typeof d === 'number' ? d - shrink : d);
    if (typeof h === 'number' && h - shrink < 1) {
      throw new ShapeError(`kernel ${params.kernel} is larger than the ${h}×${w} input; use a smaller kernel or 'same' padding`, { param: 'kernel' });
    }
    return { y: { kind: 'image', shape: [n, out(h), out(w), params.filters] } };
  },
  build: weightsOnly((params, inputs) => [[params.kernel as number, params.kernel as number, inputs.x.shape![3] as number, params.filters as number]]) as never,
  // Version 1 called the kernel size 'k'.
  migrations: {
    1: ({ k, ...rest }) => ({ ...rest, kernel: k }),
  },
});

const add = defineNode({
  type: 'add',
  version: 1,
  category: 'utility',
  title: 'Add',
  doc: 'Element-wise sum.',
  inputs: { a: { kinds: ['image'], doc: 'First.' }, b: { kinds: ['image'], doc: 'Second.' } },
  outputs: { y: { kind: 'image', doc: 'Sum.' } },
  params: {},
  inferShape({ inputs }) {
    const a = inputs.a.shape!;
    const b = inputs.b.shape!;
    if (a.join() !== b.join()) throw new ShapeError(`'b' is ${b.join('×')} but 'a' is ${a.join('×')}; both must have the same shape`, { port: 'b' });
    return { y: inputs.a };
  },
  build: notBuiltHere,
});

const flatten = defineNode({
  type: 'flatten',
  version: 1,
  category: 'layers',
  title: 'Flatten',
  doc: 'N×… to N×D.',
  inputs: { x: { kinds: ['tensor'], doc: 'Anything batched.' } },
  outputs: { y: { kind: 'vector', doc: 'Flattened.' } },
  params: {},
  inferShape({ inputs }) {
    const [n, ...rest] = inputs.x.shape!;
    return { y: { kind: 'vector', shape: [n, rest.reduce<number>((acc, d) => acc * (d as number), 1)] } };
  },
  build: notBuiltHere,
});

const dense = defineNode({
  type: 'dense',
  version: 1,
  category: 'layers',
  title: 'Dense',
  doc: 'Fully connected layer.',
  inputs: { x: { kinds: ['vector'], doc: 'N×D.' } },
  outputs: { y: { kind: 'vector', doc: 'N×units.' } },
  params: { units: p.int({ default: 10, min: 1, doc: 'Output features.' }) },
  inferShape({ inputs, params }) {
    return { y: { kind: 'vector', shape: [inputs.x.shape![0], params.units] } };
  },
  build: weightsOnly((params, inputs) => [[inputs.x.shape![1] as number, params.units as number], [params.units as number]]) as never,
});

const crossEntropy = defineNode({
  type: 'cross_entropy',
  version: 1,
  category: 'losses',
  title: 'Cross-Entropy Loss',
  doc: 'Softmax cross-entropy.',
  inputs: { logits: { kinds: ['vector'], doc: 'N×K scores.' }, labels: { kinds: ['labels'], doc: 'N class ids.' } },
  outputs: { loss: { kind: 'loss', doc: 'Mean loss.' } },
  params: {},
  inferShape({ inputs }) {
    if (inputs.logits.shape![0] !== inputs.labels.shape![0]) throw new ShapeError('logits and labels disagree on the batch', { port: 'labels' });
    return { loss: { kind: 'loss', shape: [] } };
  },
  build: notBuiltHere,
});

/** Shape-preserving, for long chains. */
const scale = defineNode({
  type: 'scale',
  version: 1,
  category: 'utility',
  title: 'Scale',
  doc: 'Multiplies by a constant.',
  inputs: { x: { kinds: ['tensor'], doc: 'Input.' } },
  outputs: { y: { kind: 'tensor', doc: 'Scaled.' } },
  params: { factor: p.float({ default: 1, doc: 'Multiplier.' }) },
  inferShape({ inputs }) {
    return { y: { kind: 'tensor', shape: inputs.x.shape, dtype: inputs.x.dtype } };
  },
  build: notBuiltHere,
});

/** A node whose shape rule has a bug. */
const buggy = defineNode({
  type: 'buggy',
  version: 1,
  category: 'utility',
  title: 'Buggy',
  doc: 'Crashes while inferring.',
  inputs: { x: { kinds: ['tensor'], doc: 'Input.' } },
  outputs: { y: { kind: 'tensor', doc: 'Never produced.' } },
  params: {},
  inferShape({ inputs }) {
    const missing = (inputs.x as unknown as { levels: Record<string, number[]> }).levels;
    return { y: { kind: 'tensor', shape: missing.P9 } };
  },
  build: notBuiltHere,
});

/** Produces its 'extra' output only when asked to, and takes an optional input. */
const splitter = defineNode({
  type: 'splitter',
  version: 1,
  category: 'utility',
  title: 'Splitter',
  doc: 'Passes x through; optionally also a copy.',
  inputs: { x: { kinds: ['image'], doc: 'Input.' }, hint: { kinds: ['image'], doc: 'Ignored.', optional: true } },
  outputs: { y: { kind: 'image', doc: 'Same as x.' }, extra: { kind: 'image', doc: 'Copy, when withExtra.' } },
  params: { withExtra: p.bool({ default: false, doc: 'Also produce extra.' }) },
  inferShape({ inputs, params }) {
    const out: { y: ValueType; extra?: ValueType } = { y: inputs.x };
    if (params.withExtra) out.extra = inputs.x;
    return out;
  },
  build: notBuiltHere,
});

/** A param with no usable default (an empty name is not allowed): files must always give it. */
const tagged = defineNode({
  type: 'tagged',
  version: 1,
  category: 'utility',
  title: 'Tagged',
  doc: 'Passes x through under a name.',
  inputs: { x: { kinds: ['tensor'], doc: 'Input.' } },
  outputs: { y: { kind: 'tensor', doc: 'Same as x.' } },
  params: { tag: p.string({ default: '', doc: 'Name to show.' }), repeat: p.int({ default: 1, min: 1, doc: 'Unused.' }) },
  inferShape({ inputs }) {
    return { y: inputs.x };
  },
  build: notBuiltHere,
});

const toy = defineDataset({
  type: 'toy',
  title: 'Toy',
  doc: 'Random images with class labels.',
  params: {
    size: p.int({ default: 8, min: 4, max: 64, doc: 'Image side.' }),
    classes: p.int({ default: 3, min: 2, doc: 'Number of classes.' }),
  },
  fields: (params) => ({
    image: { kind: 'image', shape: ['N', params.size, params.size, 3], dtype: 'float32' },
    label: { kind: 'labels', shape: ['N'], dtype: 'int32' },
  }),
  open: notBuiltHere,
});

const refusing = defineDataset({
  type: 'refusing',
  title: 'Refusing',
  doc: 'Cannot describe its fields.',
  params: {},
  fields: () => {
    throw new Error('no index file in data/refusing');
  },
  open: notBuiltHere,
});

export const testNodes: Record<string, AnyNodeDefinition> = {
  image_in: imageIn,
  labels_in: labelsIn,
  conv2d,
  add,
  flatten,
  dense,
  cross_entropy: crossEntropy,
  scale,
  buggy,
  splitter,
  tagged,
};

export const testRegistries: GraphRegistries = {
  nodes: testNodes,
  datasets: { toy, refusing } as Record<string, AnyDatasetDefinition>,
};

/** A small valid classifier; each call returns a fresh object to mutate. */
export function validGraphObject() {
  return {
    format: 'tensorweave.graph',
    version: 1,
    name: 'Toy classifier',
    description: 'Conv → flatten → dense → cross-entropy.',
    nodes: [
      { id: 'img', type: 'image_in', typeVersion: 1, params: {} },
      { id: 'lbl', type: 'labels_in', typeVersion: 1, params: {} },
      { id: 'c1', type: 'conv2d', typeVersion: 2, params: { filters: 4, kernel: 3, padding: 'same' }, label: 'First conv' },
      { id: 'flat', type: 'flatten', typeVersion: 1, params: {} },
      { id: 'fc', type: 'dense', typeVersion: 1, params: { units: 3 } },
      { id: 'loss', type: 'cross_entropy', typeVersion: 1, params: {} },
    ],
    edges: [
      { from: { node: 'img', port: 'image' }, to: { node: 'c1', port: 'x' } },
      { from: { node: 'c1', port: 'y' }, to: { node: 'flat', port: 'x' } },
      { from: { node: 'flat', port: 'y' }, to: { node: 'fc', port: 'x' } },
      { from: { node: 'fc', port: 'y' }, to: { node: 'loss', port: 'logits' } },
      { from: { node: 'lbl', port: 'labels' }, to: { node: 'loss', port: 'labels' } },
    ],
    modules: [{ id: 'net', name: 'Network', nodes: ['c1', 'fc'] }],
    dataset: { type: 'toy', params: { size: 8 } },
    training: {
      steps: 100,
      batchSize: 4,
      seed: 1,
      optimizers: [{ type: 'adam', id: 'opt', modules: ['net'], losses: [{ node: 'loss', weight: 1 }], lr: 0.001 }],
    },
    layout: {
      nodes: { img: { x: 0, y: 0 }, c1: { x: 200, y: 0 }, loss: { x: 800, y: 40, collapsed: true } },
      modules: { net: { color: '#4f8cff' } },
      viewport: { x: 0, y: 0, zoom: 1 },
    },
  };
}

export type GraphObject = ReturnType<typeof validGraphObject>;
