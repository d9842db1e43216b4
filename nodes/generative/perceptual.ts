/**
 * Johnson et al.'s perceptual loss over the named feature maps of a frozen
 * feature network: content (feature L2) plus style (Gram-matrix L2).
 */
import { defineNode, ShapeError, type Value } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { contentLoss, styleLoss } from '../../core/ops/generative';
import { formatShape, shapeSize, type Shape, type ValueType } from '../../core/types';

function layerList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function levelsOf(t: ValueType | undefined, port: string): Record<string, Shape> {
  if (!t) return {};
  if (t.kind !== 'pyramid' || !t.levels) {
    throw new ShapeError(`'${port}' must be named feature maps from a frozen feature network, got a ${t.kind}`, { port });
  }
  return t.levels;
}

function featureOf(value: Value | undefined, port: string, layer: string): tf.Tensor4D {
  if (value === undefined || value instanceof tf.Tensor || !value[layer]) {
    throw new Error(`input '${port}' has no feature map '${layer}': wire a frozen feature network that exposes it`);
  }
  return value[layer] as tf.Tensor4D;
}

export const perceptualLoss = defineNode({
  type: 'loss.perceptual',
  version: 1,
  category: 'losses',
  title: 'Perceptual loss',
  doc:
    "Johnson et al.'s perceptual loss on a frozen feature network's layers, as pytorch/examples' fast_neural_style " +
    'computes it: contentWeight · Σ MSE(φ_j(ŷ), φ_j(y_c)) over the content layers plus styleWeight · Σ MSE(G(φ_j(ŷ)), ' +
    'G(φ_j(y_s))) over the style layers, with Gram matrices G = F Fᵀ / (C·H·W) (PyTorch: torch.bmm(f, f.transpose(1, 2)) ' +
    '/ (c·h·w) and nn.MSELoss). Content keeps what is where; style matches which features occur together, wherever they ' +
    'are. The style batch is averaged into one Gram per layer (one style image repeated gives exactly its Gram). Wire ' +
    'the same feature network (weights shared) to input (generated image), content and style; leave either target ' +
    'unwired to drop its term. The reference weights 1e5 and 1e10 suit a VGG-16 on ImageNet-normalised inputs.',
  inputs: {
    input: { kinds: ['pyramid'], doc: 'Features of the generated image ŷ.' },
    content: { kinds: ['pyramid'], doc: 'Features of the content target y_c (usually the input image itself).', optional: true },
    style: { kinds: ['pyramid'], doc: 'Features of the style target y_s (one image or a batch of one style).', optional: true },
  },
  outputs: {
    loss: { kind: 'loss', doc: 'contentWeight · content + styleWeight · style.' },
    content: { kind: 'loss', doc: 'The unweighted content term, for plots.' },
    style: { kind: 'loss', doc: 'The unweighted style term, for plots.' },
  },
  params: {
    contentLayers: p.string({ default: 'relu2_2', allowEmpty: true, doc: 'Comma-separated layers of the content term (the reference: relu2_2).' }),
    styleLayers: p.string({
      default: 'relu1_2,relu2_2,relu3_3,relu4_3',
      allowEmpty: true,
      doc: 'Comma-separated layers of the style term (the reference: relu1_2, relu2_2, relu3_3, relu4_3).',
    }),
    contentWeight: p.float({ default: 1e5, min: 0, doc: 'Multiplier of the content term (pytorch/examples: 1e5).' }),
    styleWeight: p.float({ default: 1e10, min: 0, doc: 'Multiplier of the style term (pytorch/examples: 1e10).' }),
  },
  inferShape({ inputs, params }) {
    const generated = levelsOf(inputs.input, 'input');
    if (!inputs.content && !inputs.style) throw new ShapeError('wire content, style or both: with neither there is nothing to compare', { port: 'content' });
    const check = (port: 'content' | 'style', layers: string[], sameBatch: boolean) => {
      const target = levelsOf(inputs[port], port);
      if (!inputs[port]) return;
      if (layers.length === 0) throw new ShapeError(`${port} is wired but ${port}Layers is empty: list the layers to compare`, { param: `${port}Layers` });
      for (const layer of layers) {
        const a = generated[layer];
        const b = target[layer];
        if (!a) throw new ShapeError(`'input' has no feature map '${layer}' (it has ${Object.keys(generated).join(', ')}): expose it on the feature network`, { param: `${port}Layers` });
        if (!b) throw new ShapeError(`'${port}' has no feature map '${layer}': expose it on the feature network`, { param: `${port}Layers` });
        const from = sameBatch ? 0 : 3;
        const mismatch = a.length !== b.length || a.slice(from).some((d, i) => typeof d === 'number' && typeof b[from + i] === 'number' && d !== b[from + i]);
        const spatialOk = sameBatch || (a.length === 4 && b.length === 4);
        if (mismatch || !spatialOk) {
          throw new ShapeError(
            `feature map '${layer}' is ${formatShape(a)} for 'input' but ${formatShape(b)} for '${port}': ` +
              (sameBatch ? 'content images must have the generated images\' size' : 'style features need the same channels'),
            { port },
          );
        }
      }
    };
    check('content', layerList(params.contentLayers), true);
    check('style', layerList(params.styleLayers), false);
    const scalar = { kind: 'loss' as const, shape: [] as Shape };
    return { loss: scalar, content: scalar, style: scalar };
  },
  flops({ inputs, params }) {
    // Content: a mean squared error per chosen map. Style: a C×C Gram matrix (2·H·W·C² per map) for the input and style images.
    let total = 0;
    const levels = (t: ValueType | undefined) => (t?.levels ?? {}) as Record<string, Shape>;
    for (const layer of layerList(params.contentLayers)) total += 3 * shapeSize(levels(inputs.input)[layer] ?? [], 1);
    for (const layer of layerList(params.styleLayers)) {
      const shape = levels(inputs.input)[layer];
      if (!shape) continue;
      const [, h, w, c] = shape.map((d) => (typeof d === 'number' ? d : 1));
      total += 2 * (2 * h * w * c * c) + 3 * c * c;
    }
    return total;
  },
  build({ params }) {
    const contentLayers = layerList(params.contentLayers);
    const styleLayers = layerList(params.styleLayers);
    return {
      forward: (values) => {
        const zero = () => tf.scalar(0);
        const content =
          values.content === undefined || contentLayers.length === 0
            ? zero()
            : contentLoss(
                contentLayers.map((l) => featureOf(values.input, 'input', l)),
                contentLayers.map((l) => featureOf(values.content, 'content', l)),
              );
        const style =
          values.style === undefined || styleLayers.length === 0
            ? zero()
            : styleLoss(
                styleLayers.map((l) => featureOf(values.input, 'input', l)),
                styleLayers.map((l) => featureOf(values.style, 'style', l)),
              );
        const loss = tf.add(tf.mul(content, params.contentWeight), tf.mul(style, params.styleWeight)) as tf.Scalar;
        return { loss, content, style };
      },
    };
  },
});
