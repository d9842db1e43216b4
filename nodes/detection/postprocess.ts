import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { pasteMask } from '../../core/ops/detection/masks';
import { expectImage } from '../../core/ops/shape';
import { tensorOf } from '../../core/ops/value';
import { instanceMetrics } from './instance-metrics';
import { expectRank } from './common';
import { elements } from '../flops';


export const instances = defineNode({
  type: 'postprocess.instances',
  version: 1,
  category: 'detection',
  title: 'Instances',
  doc:
    'Final instance-segmentation output, detectron2 detector_postprocess + paste_masks_in_image (PyTorch torchvision ' +
    'paste_masks_in_image): each detection\'s M×M mask probabilities (sigmoid of its class\'s logit channel) are resampled ' +
    'bilinearly into its box on the full image and thresholded. Detections are regrouped per image and padded to ' +
    'maxDetections, in the dataset\'s layout: boxes N×D×4, classes N×D (0 = none), scores N×D, masks N×H×W×D, plus an ' +
    '"instances" map N×H×W with the class of the best-scoring instance on each pixel, which the previews draw. The ' +
    'COCO-style metrics (box and mask AP) read this node.',
  inputs: {
    boxes: { kinds: ['rois'], doc: 'Detected boxes R×5 from roi_heads.detections.' },
    scores: { kinds: ['tensor'], doc: 'Their scores R.' },
    classes: { kinds: ['labels'], doc: 'Their classes R (1…numClasses).' },
    maskLogits: { kinds: ['mask'], doc: 'Mask logits R×M×M×numClasses of the same detections (mask head at inference). Unwired: boxes only.', optional: true },
    image: { kinds: ['image'], doc: 'Input images, for the output size.' },
  },
  outputs: {
    boxes: { kind: 'boxes', doc: 'Boxes N×D×4 per image, best first, zero-padded.' },
    scores: { kind: 'tensor', doc: 'Scores N×D, 0 for padding.' },
    classes: { kind: 'labels', doc: 'Classes N×D, 0 for padding.' },
    masks: { kind: 'mask', doc: 'Binary masks N×H×W×D at image size.' },
    instances: { kind: 'labels', doc: 'Class of the best-scoring instance per pixel, N×H×W (0 = background).' },
  },
  params: {
    maxDetections: p.int({ default: 100, min: 1, max: 1000, doc: 'D: detections kept (and padded to) per image.' }),
    maskThreshold: p.float({ default: 0.5, min: 0, max: 1, doc: 'Mask probability above which a pixel belongs to the instance.' }),
  },
  // Box and mask AP on the validation split: what the trainer's --eval-every measures.
  metrics: instanceMetrics,
  inferShape({ inputs, params }) {
    const boxes = expectRank(inputs.boxes, 'boxes', 2, 'boxes R×5');
    if (boxes[1] !== 5) throw new ShapeError(`input 'boxes' must be R×5, got ${boxes.join('×')}`, { port: 'boxes' });
    expectRank(inputs.scores, 'scores', 1, 'scores R');
    expectRank(inputs.classes, 'classes', 1, 'classes R');
    if (inputs.maskLogits) expectRank(inputs.maskLogits, 'maskLogits', 4, 'mask logits R×M×M×classes');
    const { n, h, w } = expectImage(inputs.image, 'image');
    const d = params.maxDetections;
    return {
      boxes: { kind: 'boxes', shape: [n, d, 4] },
      scores: { kind: 'tensor', shape: [n, d] },
      classes: { kind: 'labels', shape: [n, d], dtype: 'int32' },
      masks: { kind: 'mask', shape: [n, h, w, d] },
      instances: { kind: 'labels', shape: [n, h, w], dtype: 'int32' },
    };
  },
  // Pasting each detection's mask into the image: a bilinear resize of the mask to its box, ≈8 operations per image pixel and detection.
  flops: ({ inputs }) => 8 * elements(inputs.image) / Math.max(1, (inputs.image?.shape?.[3] as number) ?? 1) * Math.max(1, elements(inputs.scores)),
  build({ params }) {
    const d = params.maxDetections;
    return {
      forward(inputs) {
        const [n, height, width] = tensorOf(inputs.image, 'image').shape;
        const rois = tensorOf(inputs.boxes, 'boxes').dataSync();
        const scores = tensorOf(inputs.scores, 'scores').dataSync();
        const classes = tensorOf(inputs.classes, 'classes').dataSync();
        const count = scores.length;
        if (rois.length / 5 !== count || classes.length !== count) {
          throw new Error(`${rois.length / 5} boxes, ${scores.length} scores and ${classes.length} classes: wire all three from one roi_heads.detections`);
        }
        let logits: Float32Array | Int32Array | Uint8Array | undefined;
        let m = 0;
        let k = 0;
        if (inputs.maskLogits !== undefined) {
          const t = tensorOf(inputs.maskLogits, 'maskLogits');
          if (t.shape[0] !== count) {
            throw new Error(
              `${t.shape[0]} mask logit maps for ${count} detections: at inference the mask head must run on the detections (roi_heads.mask_rois does this)`,
            );
          }
          m = t.shape[1]!;
          k = t.shape[3]!;
          logits = t.dataSync();
        }
        const outBoxes = new Float32Array(n * d * 4);
        const outScores = new Float32Array(n * d);
        const outClasses = new Int32Array(n * d);
        const outMasks = new Float32Array(n * height * width * d);
        const outInstances = new Int32Array(n * height * width);
        const bestScore = new Float32Array(n * height * width);
        const filled = new Int32Array(n);
        const probabilities = new Float32Array(m * m);
        for (let i = 0; i < count; i++) {
          const b = rois[5 * i];
          const slot = filled[b];
          if (slot >= d) continue;
          filled[b]++;
          const box = rois.subarray(5 * i + 1, 5 * i + 5);
          outBoxes.set(box, (b * d + slot) * 4);
          outScores[b * d + slot] = scores[i];
          outClasses[b * d + slot] = classes[i];
          if (!logits) continue;
          const c = classes[i] - 1;
          for (let j = 0; j < m * m; j++) probabilities[j] = 1 / (1 + Math.exp(-logits[(i * m * m + j) * k + c]));
          const mask = pasteMask(probabilities, m, box, height, width, params.maskThreshold);
          for (let px = 0; px < height * width; px++) {
            if (!mask[px]) continue;
            const at = b * height * width + px;
            outMasks[at * d + slot] = 1;
            if (scores[i] > bestScore[at]) {
              bestScore[at] = scores[i];
              outInstances[at] = classes[i];
            }
          }
        }
        return {
          boxes: tf.tensor3d(outBoxes, [n, d, 4]),
          scores: tf.tensor2d(outScores, [n, d]),
          classes: tf.tensor2d(outClasses, [n, d], 'int32'),
          masks: tf.tensor4d(outMasks, [n, height, width, d]),
          instances: tf.tensor3d(outInstances, [n, height, width], 'int32'),
        };
      },
    };
  },
});
