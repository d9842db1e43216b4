/**
 * The 'builtin' source: VGG-16's layout (2, 2, 3, 3, 3 convs per stage),
 * narrow, with seeded random weights made by the node itself, so graphs
 * train out of the box (random convolutional features still capture colour
 * and texture statistics — Ustyuzhaninov et al. synthesise textures with
 * them — but not the semantics a trained VGG gives).
 */
import { tf } from '../../../core/tf';
import type { Initializer, WeightOptions } from '../../../core/node-api';
import { normal, zeros } from '../../../core/init';
import { conv2dTorch } from '../../../core/ops/conv';
import { maxPool2dTorch } from '../../../core/ops/pool';

const VGG_CONVS = [2, 2, 3, 3, 3];

interface BuiltinLayer {
  name: string;
  stage: number;
}

/** relu{s}_{i} and pool{s} in VGG-16's order, so the usual layer names work. */
function builtinLayers(): BuiltinLayer[] {
  const layers: BuiltinLayer[] = [];
  VGG_CONVS.forEach((convs, s) => {
    for (let i = 1; i <= convs; i++) layers.push({ name: `relu${s + 1}_${i}`, stage: s });
    layers.push({ name: `pool${s + 1}`, stage: s });
  });
  return layers;
}

export function builtinShapes(h: number, w: number, width: number): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  let size = [h, w];
  VGG_CONVS.forEach((convs, s) => {
    const channels = width * Math.min(2 ** s, 8);
    for (let i = 1; i <= convs; i++) shapes.set(`relu${s + 1}_${i}`, [size[0], size[1], channels]);
    size = size.map((d) => Math.floor(d / 2));
    shapes.set(`pool${s + 1}`, [size[0], size[1], channels]);
  });
  return shapes;
}

/** Forward FLOPs per sample: the 3×3 convs of the narrow VGG-16 up to the deepest chosen layer. */
export function builtinFlops(h: number, w: number, inChannels: number, width: number, layers: string[]): number {
  const order = builtinLayers();
  const deepest = Math.max(...layers.map((l) => order.findIndex((o) => o.name === l)));
  let size = [h, w];
  let channels = inChannels;
  let total = 0;
  for (let i = 0; i <= deepest; i++) {
    if (order[i].name.startsWith('pool')) {
      size = size.map((d) => Math.floor(d / 2));
      continue;
    }
    const outC = width * Math.min(2 ** order[i].stage, 8);
    total += 2 * size[0] * size[1] * 9 * channels * outC;
    channels = outC;
  }
  return total;
}

export function buildBuiltin(
  weight: (name: string, shape: number[], init: Initializer, options?: WeightOptions) => tf.Variable,
  inChannels: number,
  width: number,
  layers: string[],
) {
  const order = builtinLayers();
  const deepest = Math.max(...layers.map((l) => order.findIndex((o) => o.name === l)));
  const steps: { name: string; run: (x: tf.Tensor4D) => tf.Tensor4D }[] = [];
  let channels = inChannels;
  for (let i = 0; i <= deepest; i++) {
    const layer = order[i];
    if (layer.name.startsWith('pool')) {
      steps.push({ name: layer.name, run: (x) => maxPool2dTorch(x, { kernel: 2 }) });
      continue;
    }
    const outC = width * Math.min(2 ** layer.stage, 8);
    const conv = layer.name.replace('relu', 'conv');
    // He-normal weights keep the activations' scale through the stack, so every layer's features are informative.
    const kernel = weight(`${conv}/kernel`, [3, 3, channels, outC], normal(0, Math.sqrt(2 / (9 * channels))), { trainable: false });
    const bias = weight(`${conv}/bias`, [outC], zeros, { trainable: false });
    steps.push({ name: layer.name, run: (x) => tf.relu(conv2dTorch(x, kernel, bias, { padding: 1 })) });
    channels = outC;
  }
  const wanted = new Set(layers);
  return (x: tf.Tensor4D): Record<string, tf.Tensor> => {
    const out: Record<string, tf.Tensor> = {};
    let y = x;
    for (const step of steps) {
      y = step.run(y);
      if (wanted.has(step.name)) out[step.name] = y;
    }
    return out;
  };
}
