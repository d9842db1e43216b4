/**
 * A frozen feature network for perceptual losses: a pretrained loss network
 * is what Johnson et al. use (VGG-16), but nothing can be downloaded here, so
 * the network comes from one of three places, each in its own file under
 * features/:
 * - 'builtin': a small VGG-shaped network with seeded random weights, made
 *   by the node itself, so graphs train out of the box (point the node at a
 *   real model for real style transfer);
 * - 'file': a TensorFlow.js layers model (model.json + weight files) on disk;
 * - 'checkpoint': a module of a graph trained earlier in the app.
 * The weights are never trained: they are not handed to any optimizer.
 * Files are read through the NodeIO the host passes; where there is none
 * (the editor), the shape rule types the chosen layers without their sizes
 * and training checks them.
 */
import { tf } from '../../core/tf';
import { defineNode, ShapeError, type RunMode } from '../../core/node-api';
import { p } from '../../core/params';
import { expectImage } from '../../core/ops/shape';
import { tensor4dOf } from '../../core/ops/value';
import type { Shape, ValueType } from '../../core/types';
import type { GraphRegistries } from '../../core/node-api';
import { FeatureSourceError, parseLayerList, requireIO } from './features/common';
import { buildBuiltin, builtinFlops, builtinShapes } from './features/builtin';
import { buildModelFile, modelFileShapes } from './features/model-file';
import { buildCheckpoint, checkpointShapes } from './features/checkpoint';

export type FeatureSource = 'builtin' | 'file' | 'checkpoint';

const featureParams = {
  source: p.enum({
    options: ['builtin', 'file', 'checkpoint'],
    default: 'builtin',
    doc:
      "'builtin': a small VGG-shaped network with fixed random weights (trains out of the box; texture and colour " +
      "statistics, not a trained VGG's semantics); 'file': a TensorFlow.js layers model.json; 'checkpoint': a module " +
      'of a graph trained earlier.',
  }),
  path: p.string({
    default: '',
    allowEmpty: true,
    doc: "For 'file': the model.json (weights next to it). For 'checkpoint': a run folder (its latest checkpoint) or a checkpoints/step-… folder.",
  }),
  layers: p.string({
    default: 'relu1_2,relu2_2,relu3_3,relu4_3',
    doc:
      "Comma-separated layers whose outputs to expose. 'builtin': VGG names relu1_1 … relu5_3, pool1 … pool5. 'file': " +
      "the model's layer names. 'checkpoint': node ids of the module (or node.port).",
  }),
  module: p.string({ default: '', allowEmpty: true, doc: "For 'checkpoint': the module to run; empty picks the one holding every listed node." }),
  width: p.int({ default: 16, min: 1, max: 512, doc: "For 'builtin': channels of the first stage (VGG-16 has 64); later stages 2×, 4×, 8×." }),
  scale: p.float({ default: 1, doc: 'Input is multiplied by scale, then offset is added: e.g. 127.5 and 127.5 map tanh images to the 0..255 a Keras VGG expects.' }),
  offset: p.float({ default: 0, doc: 'Added to the input after scaling.' }),
};

function describeSource(
  source: FeatureSource,
  params: { path: string; layers: string; module: string; width: number },
  input: ValueType,
  registries: GraphRegistries | undefined,
): { levels: Record<string, Shape> } {
  const { n, h, w, c } = expectImage(input, 'input');
  const layers = parseLayerList(params.layers);
  if (layers.length === 0) throw new ShapeError('list at least one layer to expose', { param: 'layers' });
  if (source !== 'builtin' && !registries?.io) {
    // No file access here (the editor): the layers are feature maps whose sizes training will check.
    if (!params.path) throw new ShapeError(`source '${source}' needs path: ${source === 'file' ? 'the model.json of a TensorFlow.js layers model' : 'a run folder or one of its checkpoints/step-… folders'}`, { param: 'path' });
    return { levels: Object.fromEntries(layers.map((layer) => [layer, [n, 'H', 'W', 'C']])) };
  }
  let shapes: Map<string, number[]>;
  try {
    if (source === 'builtin') shapes = builtinShapes(h, w, params.width);
    else if (source === 'file') {
      if (!params.path) throw new FeatureSourceError("source 'file' needs path: the model.json of a TensorFlow.js layers model");
      shapes = modelFileShapes(registries!.io!, params.path, h, w, c);
    } else {
      if (!params.path) throw new FeatureSourceError("source 'checkpoint' needs path: a run folder or one of its checkpoints/step-… folders");
      shapes = checkpointShapes({ io: registries!.io!, registries: registries!, location: params.path, module: params.module, layers, input });
    }
  } catch (error) {
    if (error instanceof FeatureSourceError) throw new ShapeError(error.message, { param: 'path' });
    throw error;
  }
  const levels: Record<string, Shape> = {};
  for (const layer of layers) {
    const shape = shapes.get(layer);
    if (!shape) {
      const known = [...shapes.keys()].slice(0, 40).join(', ');
      throw new ShapeError(`there is no layer '${layer}'; available: ${known}`, { param: 'layers' });
    }
    if (shape.length !== 3) throw new ShapeError(`layer '${layer}' outputs ${shape.join('×')}, not a feature map H×W×C`, { param: 'layers' });
    if (shape.some((d) => d < 1)) throw new ShapeError(`layer '${layer}' has no pixels left at this input size (${h}×${w}): pick an earlier layer or feed larger images`, { param: 'layers' });
    levels[layer] = [n, ...shape];
  }
  return { levels };
}

export const frozenFeatures = defineNode({
  type: 'features.frozen',
  version: 1,
  category: 'generative',
  title: 'Frozen feature network',
  doc:
    'A fixed, never-trained network whose intermediate layers describe an image, for perceptual losses (Johnson et al. ' +
    "use a pretrained VGG-16; PyTorch: torchvision.models.vgg16(pretrained=True).features with requires_grad False). " +
    "Its source is a TensorFlow.js layers model on disk ('file': model.json plus its weight files, e.g. a VGG converted " +
    "with tensorflowjs_converter), a module of a graph trained earlier ('checkpoint'), or, so a graph trains with no " +
    "download, 'builtin': a narrow VGG-16-shaped network with fixed random weights — it captures colour and texture " +
    'statistics but not the object semantics of a trained VGG, so use a real model for real style transfer. Outputs the ' +
    'chosen layers as named feature maps for loss.perceptual. Gradients flow through it to the image; its weights never ' +
    'change.',
  inputs: {
    input: { kinds: ['image'], doc: 'Images N×H×W×C (e.g. generated, content or style images).' },
  },
  outputs: {
    features: { kind: 'pyramid', doc: 'The chosen layers\' outputs, keyed by layer name.' },
  },
  params: featureParams,
  inferShape({ inputs, params, registries }) {
    return { features: { kind: 'pyramid', ...describeSource(params.source, params, inputs.input, registries) } };
  },
  flops({ inputs, params, outputs }) {
    const { h, w, c } = expectImage(inputs.input, 'input');
    if (params.source === 'builtin') {
      return builtinFlops(h, w, c, params.width, parseLayerList(params.layers));
    }
    // A model from a file or checkpoint: as if each chosen map came from one 3×3 conv of its own width.
    let total = 0;
    for (const shape of Object.values(outputs.features?.levels ?? {})) {
      const [, lh, lw, lc] = shape.map((d) => (typeof d === 'number' ? d : 1));
      total += 2 * lh * lw * 9 * lc * lc;
    }
    return total;
  },
  build(ctx) {
    const { params, nodeId } = ctx;
    const layers = parseLayerList(params.layers);
    const { c } = expectImage(ctx.inputs.input, 'input');
    const transform = (x: tf.Tensor4D) =>
      (params.scale === 1 && params.offset === 0 ? x : tf.add(tf.mul(x, params.scale), params.offset)) as tf.Tensor4D;

    if (params.source === 'builtin') {
      const net = buildBuiltin(ctx.weight, c, params.width, layers);
      return { forward: (inputs) => ({ features: net(transform(tensor4dOf(inputs.input, 'input'))) }) };
    }
    let source: { run(x: tf.Tensor4D, mode: RunMode): Record<string, unknown>; dispose(): void };
    try {
      const io = requireIO(ctx.registries?.io, params.source);
      if (params.source === 'file') {
        if (!params.path) throw new FeatureSourceError("source 'file' needs path: the model.json of a TensorFlow.js layers model");
        source = buildModelFile(io, params.path, layers);
      } else {
        source = buildCheckpoint({ io, registries: ctx.registries!, location: params.path, module: params.module, layers, input: ctx.inputs.input, nodeId, weight: ctx.weight });
      }
    } catch (error) {
      throw new Error(`frozen feature network '${nodeId}': ${(error as Error).message}`, { cause: error });
    }
    return {
      forward: (inputs, mode) => ({ features: source.run(transform(tensor4dOf(inputs.input, 'input')), mode) as Record<string, tf.Tensor> }),
      dispose: () => source.dispose(),
    };
  },
});
