/**
 * Representative inputs and params for every node type, shared by the
 * registry contract test and the kernel audit's coverage test: a node type
 * added to the registry needs a fixture here.
 */
import { tf } from '../../core/tf';
import type { DatasetInfo, Value } from '../../core/node-api';
import type { ValueType } from '../../core/types';

export interface Fixture {
  inputs: Record<string, ValueType>;
  params?: Record<string, unknown>;
  dataset?: DatasetInfo;
  /** Upper bound for random class ids on label inputs. */
  classes?: number;
  /** Values for ports where random numbers mean nothing (RoIs, ground-truth boxes, targets). */
  values?: () => Record<string, Value>;
  /** Inputs that are data, not differentiated (boxes and RoIs, as in torchvision). */
  dataInputs?: string[];
}

const img = (h: number, w: number, c: number, kind: 'image' | 'mask' = 'image'): ValueType => ({ kind, shape: ['N', h, w, c] });
const vec = (d: number): ValueType => ({ kind: 'vector', shape: ['N', d] });
const labels = (...dims: number[]): ValueType => ({ kind: 'labels', shape: ['N', ...dims], dtype: 'int32' });
const features = (): ValueType => ({ kind: 'pyramid', levels: { relu1_2: ['N', 4, 4, 2], relu2_2: ['N', 2, 2, 3] } });

// Detection fixtures: N = 2 images of 32×32 px with ground truth, and RoIs in pixels.
const pyramid = (levels: Record<string, number[]>): ValueType => ({ kind: 'pyramid', levels: Object.fromEntries(Object.entries(levels).map(([k, v]) => [k, ['N', ...v]])) });
const rois = (): ValueType => ({ kind: 'rois', shape: ['R', 5] });
const roiTargets = (): ValueType => ({
  kind: 'target',
  fields: { classes: { kind: 'labels', shape: ['N'] }, boxTargets: { kind: 'tensor', shape: ['N', 4] }, gtSlots: { kind: 'labels', shape: ['N'] } },
});
const gtTypes = { boxes: { kind: 'boxes', shape: ['N', 2, 4] }, classes: labels(2) } satisfies Record<string, ValueType>;
const detectionValues = () => ({
  boxes: tf.tensor3d([4, 4, 14, 12, 16, 18, 28, 30, 2, 20, 12, 30, 0, 0, 0, 0], [2, 2, 4]),
  classes: tf.tensor2d([1, 2, 3, 0], [2, 2], 'int32'),
  rois: tf.tensor2d([0, 3, 4, 15, 12, 0, 15, 17, 29, 31, 1, 2, 19, 13, 31, 1, -4, 2, 40, 30], [4, 5]),
  anchors: { P2: tf.tensor2d(Array.from({ length: 32 }, (_, i) => [i % 4 * 8 - 4, Math.floor(i / 4) % 4 * 8 - 4, i % 4 * 8 + 4 + (i % 2) * 8, Math.floor(i / 4) % 4 * 8 + 4]).flat(), [32, 4]) },
});
const targetValues = () => ({
  targets: {
    classes: tf.tensor1d([1, 0], 'int32'),
    boxTargets: tf.tensor2d([0.5, -1, 0.2, 0.1, 0, 0, 0, 0], [2, 4]),
    gtSlots: tf.tensor1d([0, -1], 'int32'),
  },
  rois: tf.tensor2d([0, 3, 4, 15, 12, 1, 2, 19, 13, 31], [2, 5]),
});

export const FIXTURES: Record<string, Fixture[]> = {
  'backbone.resnet': [
    { inputs: { image: img(32, 32, 3) }, params: { depths: [1, 1], widths: [4, 6], stemChannels: 4, stemKernel: 3 } },
    { inputs: { image: img(64, 32, 3) }, params: { block: 'bottleneck', depths: [1, 1, 1, 1], widths: [4, 8, 8, 8], stemChannels: 4, norm: 'none' } },
  ],
  'neck.fpn': [
    { inputs: { features: pyramid({ C2: [8, 8, 4], C3: [4, 4, 6] }) }, params: { channels: 3 } },
    { inputs: { features: pyramid({ C3: [4, 8, 2], C4: [2, 4, 5], C5: [1, 2, 2] }) }, params: { channels: 2, p6: false } },
  ],
  'detection.anchors': [{ inputs: { features: pyramid({ P2: [4, 4, 2], P3: [2, 2, 2] }) }, params: { sizes: [8, 16] } }],
  'rpn.head': [{ inputs: { features: pyramid({ P2: [4, 4, 3], P3: [2, 2, 3] }) }, params: { anchorsPerLocation: 2 } }],
  'rpn.loss': [
    {
      inputs: { anchors: { kind: 'pyramid', levels: { P2: [32, 4] } }, objectness: pyramid({ P2: [4, 4, 2] }), deltas: pyramid({ P2: [4, 4, 8] }), ...gtTypes },
      values: detectionValues,
      dataInputs: ['boxes'],
    },
  ],
  'rpn.proposals': [
    {
      inputs: { anchors: { kind: 'pyramid', levels: { P2: [32, 4] } }, objectness: pyramid({ P2: [4, 4, 2] }), deltas: pyramid({ P2: [4, 4, 8] }), image: img(32, 32, 3) },
      params: { preNmsTopKTrain: 10, postNmsTopKTrain: 5 },
      values: detectionValues,
      dataInputs: ['image'],
    },
  ],
  'roi_heads.sample': [
    { inputs: { proposals: rois(), ...gtTypes }, params: { batchSizePerImage: 4 }, values: () => ({ ...detectionValues(), proposals: detectionValues().rois }), dataInputs: ['proposals', 'boxes'] },
  ],
  roi_align: [
    {
      inputs: { features: pyramid({ P2: [8, 8, 3], P3: [4, 4, 3] }), rois: rois() },
      params: { levels: [2, 3], outputSize: 3, canonicalBoxSize: 16, canonicalLevel: 3 },
      values: detectionValues,
      dataInputs: ['rois'],
    },
    { inputs: { features: pyramid({ P3: [4, 4, 2] }), rois: rois() }, params: { levels: [3], samplingRatio: 2, aligned: false }, values: detectionValues, dataInputs: ['rois'] },
  ],
  'roi_heads.box': [{ inputs: { features: img(3, 3, 2) }, params: { numClasses: 3, fcDims: [5] } }, { inputs: { features: img(2, 2, 1) }, params: { fcDims: [] } }],
  'roi_heads.box_loss': [{ inputs: { classLogits: vec(4), boxDeltas: vec(12), targets: roiTargets() }, values: targetValues }],
  'roi_heads.detections': [
    {
      inputs: { classLogits: vec(4), boxDeltas: vec(12), rois: rois(), image: img(32, 32, 3) },
      values: () => ({ rois: targetValues().rois }),
      dataInputs: ['classLogits', 'boxDeltas', 'rois', 'image'],
    },
  ],
  'roi_heads.mask_rois': [
    {
      inputs: { rois: rois(), targets: roiTargets(), detections: rois(), detectionClasses: labels() },
      values: () => ({ ...targetValues(), detections: targetValues().rois }),
      dataInputs: ['rois', 'detections'],
    },
  ],
  'roi_heads.mask': [{ inputs: { features: img(4, 4, 3) }, params: { numClasses: 2, convDims: [2, 3] } }],
  'roi_heads.mask_loss': [
    {
      inputs: { maskLogits: img(6, 6, 2, 'mask'), rois: rois(), targets: roiTargets(), masks: img(32, 32, 2, 'mask') },
      values: targetValues,
      dataInputs: ['rois', 'masks'],
    },
  ],
  'postprocess.instances': [
    {
      inputs: { boxes: rois(), scores: { kind: 'tensor', shape: ['N'] }, classes: labels(), maskLogits: img(4, 4, 3, 'mask'), image: img(32, 32, 3) },
      params: { maxDetections: 3 },
      values: () => ({ boxes: targetValues().rois, scores: tf.tensor1d([0.9, 0.4]), classes: tf.tensor1d([3, 1], 'int32') }),
      dataInputs: ['boxes', 'scores', 'maskLogits', 'image'],
    },
    {
      inputs: { boxes: rois(), scores: { kind: 'tensor', shape: ['N'] }, classes: labels(), image: img(16, 16, 3) },
      values: () => ({ boxes: targetValues().rois, scores: tf.tensor1d([0.9, 0.4]), classes: tf.tensor1d([3, 1], 'int32') }),
      dataInputs: ['boxes', 'scores', 'image'],
    },
  ],
  'input.dataset': [
    {
      inputs: {},
      dataset: {
        type: 'test.fixture',
        fields: { image: img(8, 8, 3), semantic: labels(8, 8), boxes: { kind: 'boxes', shape: ['N', 5, 4] }, labels: vec(10) },
      },
    },
  ],
  conv2d: [
    { inputs: { input: img(9, 8, 3) } },
    { inputs: { input: img(9, 8, 3) }, params: { outChannels: 5, kernelSize: 3, stride: 2, padding: 1 } },
    { inputs: { input: img(8, 7, 2) }, params: { outChannels: 4, kernelSize: 4, padding: 2, dilation: 2, paddingMode: 'reflect' } },
    { inputs: { input: img(6, 6, 4, 'mask') }, params: { outChannels: 2, kernelSize: 1, padding: 0, bias: false } },
    { inputs: { input: img(7, 6, 4) }, params: { outChannels: 6, groups: 2, stride: 2 } },
    { inputs: { input: img(7, 6, 3) }, params: { outChannels: 6, groups: 3, paddingMode: 'reflect' } },
  ],
  conv_transpose2d: [
    { inputs: { input: img(4, 5, 6) }, params: { outChannels: 3 } },
    { inputs: { input: img(4, 5, 6) }, params: { outChannels: 2, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, bias: false } },
  ],
  batchnorm2d: [{ inputs: { input: img(5, 4, 3) } }, { inputs: { input: img(5, 4, 3) }, params: { affine: false, momentum: 0.5 } }],
  instancenorm2d: [{ inputs: { input: img(5, 4, 3) } }, { inputs: { input: img(5, 4, 3) }, params: { affine: true } }],
  relu: [{ inputs: { input: img(3, 4, 2) } }, { inputs: { input: vec(7) } }],
  leaky_relu: [{ inputs: { input: img(3, 4, 2) } }, { inputs: { input: vec(7) }, params: { negativeSlope: 0.01 } }],
  tanh: [{ inputs: { input: img(3, 4, 2) } }],
  sigmoid: [{ inputs: { input: vec(7) } }],
  maxpool2d: [
    { inputs: { input: img(7, 6, 2) } },
    { inputs: { input: img(7, 6, 2) }, params: { kernelSize: 3, stride: 2, padding: 1 } },
    { inputs: { input: img(7, 6, 2) }, params: { kernelSize: 2, stride: 2, ceilMode: true } },
  ],
  avgpool2d: [
    { inputs: { input: img(7, 6, 2) } },
    { inputs: { input: img(7, 6, 2) }, params: { kernelSize: 3, stride: 2, padding: 1, ceilMode: true } },
    { inputs: { input: img(7, 6, 2) }, params: { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false } },
  ],
  upsample: [
    { inputs: { input: img(3, 4, 2) } },
    { inputs: { input: img(3, 4, 2) }, params: { mode: 'bilinear', scaleFactor: 3 } },
    { inputs: { input: img(3, 4, 2) }, params: { mode: 'bilinear', alignCorners: true } },
  ],
  reflection_pad2d: [{ inputs: { input: img(4, 5, 2) }, params: { padding: 2 } }],
  add: [
    { inputs: { a: img(4, 4, 3), b: img(4, 4, 3) } },
    { inputs: { a: vec(5), b: vec(5), c: vec(5), d: vec(5) } },
  ],
  concat: [
    { inputs: { a: img(4, 4, 3), b: img(4, 4, 5) } },
    { inputs: { a: img(2, 4, 3), b: img(3, 4, 3), c: img(1, 4, 3) }, params: { axis: 'height' } },
    { inputs: { a: img(2, 2, 3), b: img(2, 3, 3) }, params: { axis: 'width' } },
    { inputs: { a: vec(3), b: vec(4) } },
  ],
  linear: [{ inputs: { input: vec(12) } }, { inputs: { input: vec(12) }, params: { outFeatures: 3, bias: false } }],
  flatten: [{ inputs: { input: img(3, 2, 4) } }],
  reshape: [{ inputs: { input: vec(48) }, params: { shape: [4, -1, 3] } }, { inputs: { input: img(2, 3, 4) }, params: { shape: [-1] } }],
  dropout: [{ inputs: { input: img(4, 4, 3) } }, { inputs: { input: vec(9) }, params: { p: 0.2 } }],
  'loss.l1': [{ inputs: { input: img(4, 4, 3), target: img(4, 4, 3) } }, { inputs: { input: img(4, 4, 3) }, params: { reduction: 'sum' } }],
  'loss.mse': [{ inputs: { input: img(4, 4, 3), target: img(4, 4, 3) } }, { inputs: { input: vec(5) }, params: { target: 0 } }],
  'loss.bce_logits': [
    { inputs: { input: img(4, 4, 1), target: img(4, 4, 1, 'mask') } },
    { inputs: { input: img(4, 4, 1) }, params: { target: 0 } },
    { inputs: { input: img(4, 4, 1), target: img(4, 4, 1, 'mask') }, params: { posWeight: 3 } },
  ],
  'loss.cross_entropy': [
    { inputs: { input: img(4, 4, 3), target: labels(4, 4) }, classes: 3 },
    { inputs: { input: vec(5), target: labels() }, params: { weights: [1, 2, 0.5, 1, 1], ignoreIndex: 1 }, classes: 5 },
    { inputs: { input: vec(4), target: vec(4) }, params: { reduction: 'sum' } },
  ],
  'generator.unet': [
    { inputs: { input: img(16, 16, 3) }, params: { depth: 4, ngf: 2 } },
    { inputs: { input: img(64, 64, 1) }, params: { depth: 6, ngf: 2, norm: 'instance', outChannels: 2 } },
  ],
  'unet.down': [
    { inputs: { input: img(8, 8, 3) }, params: { outChannels: 4 } },
    { inputs: { input: img(8, 8, 3) }, params: { outChannels: 4, leaky: false, norm: 'none', bias: true } },
  ],
  'unet.up': [
    { inputs: { input: img(4, 4, 6), skip: img(8, 8, 3) }, params: { outChannels: 4, dropout: 0.5 } },
    { inputs: { input: img(4, 4, 6) }, params: { outChannels: 3, outermost: true } },
  ],
  'generator.resnet': [
    { inputs: { input: img(16, 16, 3) }, params: { ngf: 2, blocks: 2 } },
    { inputs: { input: img(8, 8, 1) }, params: { ngf: 2, blocks: 1, norm: 'batch', dropout: true, paddingType: 'zeros' } },
  ],
  'resnet.block': [
    { inputs: { input: img(4, 4, 6) } },
    { inputs: { input: img(4, 4, 6) }, params: { norm: 'batch', dropout: true, paddingType: 'zeros', bias: false } },
  ],
  'discriminator.patchgan': [
    { inputs: { input: img(32, 32, 3) }, params: { ndf: 2 } },
    { inputs: { input: img(16, 16, 3), condition: img(16, 16, 1) }, params: { nLayers: 1, ndf: 2, norm: 'instance', inChannels: 4 } },
  ],
  'discriminator.global': [
    { inputs: { input: img(16, 16, 3) }, params: { ndf: 2 } },
    { inputs: { input: img(8, 8, 3), condition: vec(3) }, params: { ndf: 2, inChannels: 6 } },
    { inputs: { input: img(8, 8, 3), condition: img(8, 8, 2) }, params: { ndf: 2, norm: 'none' } },
  ],
  'condition.label_map': [
    { inputs: { labels: vec(3) }, params: { height: 4, width: 5 } },
    { inputs: { labels: labels() }, params: { classes: 4, height: 2, width: 2 }, classes: 4 },
  ],
  'condition.embedding': [
    { inputs: { labels: labels() }, params: { classes: 5, dim: 3 }, classes: 5 },
    { inputs: { labels: vec(4) } },
  ],
  noise: [{ inputs: { like: labels() } }, { inputs: { like: labels() }, params: { shape: [2, 3, 4], distribution: 'uniform' } }],
  image_pool: [{ inputs: { input: img(4, 4, 3) }, params: { poolSize: 3 } }, { inputs: { input: img(4, 4, 3) }, params: { poolSize: 0 } }],
  'features.frozen': [
    { inputs: { input: img(16, 16, 3) }, params: { width: 2 } },
    { inputs: { input: img(8, 8, 1) }, params: { width: 2, layers: 'relu1_1,pool2', scale: 2, offset: 1 } },
  ],
  'loss.gan': [{ inputs: { input: img(4, 4, 1) } }, { inputs: { input: vec(1) }, params: { mode: 'lsgan', target: 'fake' } }],
  'loss.cycle': [
    { inputs: { reconstructedA: img(4, 4, 3), realA: img(4, 4, 3) } },
    { inputs: { reconstructedA: img(4, 4, 3), realA: img(4, 4, 3), reconstructedB: img(4, 4, 3), realB: img(4, 4, 3) }, params: { lambdaB: 5 } },
  ],
  'loss.identity': [
    { inputs: { identityA: img(4, 4, 3), realB: img(4, 4, 3) } },
    { inputs: { identityA: img(4, 4, 3), realB: img(4, 4, 3), identityB: img(4, 4, 3), realA: img(4, 4, 3) }, params: { lambdaIdentity: 1 } },
  ],
  'loss.perceptual': [
    {
      inputs: { input: features(), content: features(), style: features() },
      params: { contentLayers: 'relu2_2', styleLayers: 'relu1_2,relu2_2' },
    },
    { inputs: { input: features(), style: features() }, params: { contentLayers: '', styleLayers: 'relu1_2', styleWeight: 1 } },
  ],
  'loss.tv': [{ inputs: { input: img(4, 5, 3) } }, { inputs: { input: img(4, 5, 3) }, params: { norm: 'l2', reduction: 'mean' } }],
};
