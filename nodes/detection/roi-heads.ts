/**
 * The second stage of Mask R-CNN: proposal sampling and matching, the box
 * head with its loss and inference post-processing, the choice of RoIs for
 * the mask branch, the mask head and its loss. Target assignment runs in
 * plain JS; gradients reach the heads through their outputs and the
 * backbone through RoIAlign.
 */
import { defineNode, ShapeError } from '../../core/node-api';
import { p } from '../../core/params';
import { tf } from '../../core/tf';
import { normal, zeros } from '../../core/init';
import { clipBoxes, decodeBoxes, encodeBoxes, pairwiseIou, type BoxWeights } from '../../core/ops/detection/boxes';
import { matchPredictions, subsampleLabels } from '../../core/ops/detection/matching';
import { batchedNms } from '../../core/ops/detection/nms';
import { cropAndResizeMask } from '../../core/ops/detection/masks';
import { convTranspose2dTorch } from '../../core/ops/conv';
import { bceWithLogitsElementwise, crossEntropy } from '../../core/ops/losses';
import { expectImage } from '../../core/ops/shape';
import { tensorOf, tensor4dOf } from '../../core/ops/value';
import type { ValueType } from '../../core/types';
import { expectRank, fieldOf, makeConv, makeLinear, msraFill, normalizedSum, readTruth, smoothL1, xavierFill } from './common';
import { convFlops, elements, noArithmetic } from '../flops';

const numClassesParam = p.int({
  default: 3,
  min: 1,
  max: 1000,
  doc: 'Object classes, not counting background; ground-truth classes run 1…numClasses (0 is padding/background).',
});

const boxWeightsParam = p.floats({
  default: [10, 10, 5, 5],
  length: 4,
  min: 0.001,
  doc: 'Box-coding weights (wx, wy, ww, wh) of the box head (detectron2 ROI_BOX_HEAD.BBOX_REG_WEIGHTS).',
});

const roiTargetsType: ValueType = {
  kind: 'target',
  fields: {
    classes: { kind: 'labels', shape: ['R'], dtype: 'int32' },
    boxTargets: { kind: 'tensor', shape: ['R', 4], dtype: 'float32' },
    gtSlots: { kind: 'labels', shape: ['R'], dtype: 'int32' },
  },
};

const maskTargetsType: ValueType = {
  kind: 'target',
  fields: {
    classes: { kind: 'labels', shape: ['R'], dtype: 'int32' },
    gtSlots: { kind: 'labels', shape: ['R'], dtype: 'int32' },
  },
};

function expectRois(t: ValueType | undefined, port: string): void {
  const shape = expectRank(t, port, 2, 'RoIs R×5');
  if (shape[1] !== 5) throw new ShapeError(`input '${port}' must be R×5 (batch index, x1, y1, x2, y2), got ${shape.join('×')}`, { port });
}

function expectTargets(t: ValueType | undefined, port: string, fields: string[]): void {
  if (!t || t.kind !== 'target' || !t.fields || fields.some((f) => !t.fields![f])) {
    throw new ShapeError(`input '${port}' must be targets with fields ${fields.join(', ')} (the 'targets' output of roi_heads.sample or roi_heads.mask_rois)`, { port });
  }
}

export const roiSample = defineNode({
  type: 'roi_heads.sample',
  version: 1,
  category: 'detection',
  title: 'RoI sampling and matching',
  doc:
    'Chooses the RoIs the box head trains on and their targets, detectron2 StandardROIHeads.label_and_sample_proposals / ' +
    'PyTorch torchvision RoIHeads.select_training_samples. In training the ground-truth boxes join the proposals, every RoI is ' +
    'matched to the ground truth it overlaps most (IoU ≥ 0.5: that object\'s class, else background 0), and 512 RoIs per ' +
    'image are sampled, at most 25% foreground (seeded). At inference every proposal passes through, matched but not ' +
    'sampled. Targets: class per RoI, box deltas towards the matched box (weights 10,10,5,5) and the matched object\'s ' +
    'index in the padded ground-truth list (−1 for background), for mask targets.',
  inputs: {
    proposals: { kinds: ['rois'], doc: 'Proposals R×5 from rpn.proposals.' },
    boxes: { kinds: ['boxes'], doc: 'Ground-truth boxes N×K×4, padded.' },
    classes: { kinds: ['labels'], doc: 'Ground-truth classes N×K (1…numClasses, 0 = padding).' },
  },
  outputs: {
    rois: { kind: 'rois', doc: 'Sampled RoIs R×5 (training) or all proposals (inference).' },
    targets: { kind: 'target', doc: 'Per RoI: classes [R] (0 background), boxTargets [R×4], gtSlots [R].' },
  },
  params: {
    numClasses: numClassesParam,
    iouThreshold: p.float({ default: 0.5, min: 0, max: 1, doc: 'IoU from which a RoI is foreground.' }),
    batchSizePerImage: p.int({ default: 512, min: 1, max: 100000, doc: 'RoIs sampled per image in training.' }),
    positiveFraction: p.float({ default: 0.25, min: 0, max: 1, doc: 'Largest share of foreground among the sampled RoIs.' }),
    addGroundTruth: p.bool({ default: true, doc: 'Add the ground-truth boxes to the proposals in training, so each object has a perfect RoI.' }),
    boxWeights: boxWeightsParam,
  },
  inferShape({ inputs }) {
    expectRois(inputs.proposals, 'proposals');
    expectRank(inputs.boxes, 'boxes', 3, 'ground-truth boxes N×K×4');
    expectRank(inputs.classes, 'classes', 2, 'ground-truth classes N×K');
    return { rois: { kind: 'rois', shape: ['R', 5] }, targets: roiTargetsType };
  },
  // IoU of each proposal with each ground-truth box (≈15 per pair), per RoI.
  flops: ({ inputs }) => 15 * Math.max(1, elements(inputs.boxes) / 4),
  build({ params, nodeId }) {
    const weights = params.boxWeights as unknown as BoxWeights;
    return {
      forward(inputs, mode) {
        const proposals = tensorOf(inputs.proposals, 'proposals').dataSync();
        const truth = readTruth(tensorOf(inputs.boxes, 'boxes'), tensorOf(inputs.classes, 'classes'), params.numClasses, `node '${nodeId}'`);
        const rng = mode.rng.fork('roi-sample');
        const rows: number[] = [];
        const classes: number[] = [];
        const slots: number[] = [];
        const boxTargets: number[] = [];
        truth.forEach((gt, b) => {
          const boxes: number[] = [];
          for (let r = 0; r < proposals.length / 5; r++) if (proposals[5 * r] === b) boxes.push(...proposals.subarray(5 * r + 1, 5 * r + 5));
          if (mode.training && params.addGroundTruth) boxes.push(...gt.boxes);
          const count = boxes.length / 4;
          const numGt = gt.classes.length;
          const { matches, labels } = matchPredictions(pairwiseIou(gt.boxes, boxes), numGt, count, {
            thresholds: [params.iouThreshold],
            labels: [0, 1],
            allowLowQualityMatches: false,
          });
          const cls = Int32Array.from(labels, (label, i) => (label === 1 ? gt.classes[matches[i]] : 0));
          let chosen: ArrayLike<number>;
          if (mode.training) {
            const sample = subsampleLabels(cls, params.batchSizePerImage, params.positiveFraction, 0, rng);
            chosen = [...sample.positive, ...sample.negative];
          } else {
            chosen = Int32Array.from({ length: count }, (_, i) => i);
          }
          const src: number[] = [];
          const dst: number[] = [];
          for (const i of Array.from(chosen)) {
            rows.push(b, boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]);
            classes.push(cls[i]);
            slots.push(cls[i] > 0 ? gt.slots[matches[i]] : -1);
            src.push(...boxes.slice(4 * i, 4 * i + 4));
            dst.push(...(cls[i] > 0 ? gt.boxes.subarray(4 * matches[i], 4 * matches[i] + 4) : boxes.slice(4 * i, 4 * i + 4)));
          }
          boxTargets.push(...encodeBoxes(src, dst, weights));
        });
        const r = classes.length;
        return {
          rois: tf.tensor2d(rows, [r, 5]),
          targets: {
            classes: tf.tensor1d(classes, 'int32'),
            boxTargets: tf.tensor2d(boxTargets, [r, 4]),
            gtSlots: tf.tensor1d(slots, 'int32'),
          },
        };
      },
    };
  },
});

export const boxHead = defineNode({
  type: 'roi_heads.box',
  version: 1,
  category: 'detection',
  title: 'Box head',
  doc:
    'The Fast R-CNN box head, detectron2 FastRCNNConvFCHead + FastRCNNOutputLayers (PyTorch torchvision TwoMLPHead + ' +
    'FastRCNNPredictor): pooled RoI features are flattened and pass fully connected layers with ReLU (two of 1024 in ' +
    'Mask R-CNN), then a linear classifier over numClasses + 1 (index 0 = background) and class-specific box deltas, 4 per ' +
    'object class (class c at columns 4(c−1)…4c−1). Initialisation as detectron2: FC layers c2_xavier_fill, classifier ' +
    'N(0, 0.01), box regressor N(0, 0.001), biases 0.',
  inputs: {
    features: { kinds: ['image'], doc: 'Pooled RoI features R×S×S×C from roi_align.' },
  },
  outputs: {
    classLogits: { kind: 'vector', doc: 'Class scores R×(numClasses+1), background first.' },
    boxDeltas: { kind: 'vector', doc: 'Box deltas R×4·numClasses.' },
  },
  params: {
    numClasses: numClassesParam,
    fcDims: p.ints({ default: [1024, 1024], minLength: 0, maxLength: 8, min: 1, max: 65536, doc: 'Width of each hidden fully connected layer.' }),
  },
  inferShape({ inputs, params }) {
    const { n } = expectImage(inputs.features, 'features');
    return {
      classLogits: { kind: 'vector', shape: [n, params.numClasses + 1] },
      boxDeltas: { kind: 'vector', shape: [n, 4 * params.numClasses] },
    };
  },
  flops({ inputs, params }) {
    const { h, w, c } = expectImage(inputs.features, 'features');
    let width = h * w * c;
    let total = 0;
    for (const dim of params.fcDims) {
      total += 2 * width * dim;
      width = dim;
    }
    return total + 2 * width * (params.numClasses + 1 + 4 * params.numClasses);
  },
  build(ctx) {
    const { params } = ctx;
    const { h, w, c } = expectImage(ctx.inputs.features, 'features');
    let width = h * w * c;
    const fcs = params.fcDims.map((dim, i) => {
      const fc = makeLinear(ctx, `fc${i + 1}`, width, dim, xavierFill(width));
      width = dim;
      return fc;
    });
    const classifier = makeLinear(ctx, 'cls', width, params.numClasses + 1, normal(0, 0.01));
    const regressor = makeLinear(ctx, 'bbox', width, 4 * params.numClasses, normal(0, 0.001));
    return {
      forward(inputs) {
        const x4 = tensor4dOf(inputs.features, 'features');
        let x = tf.reshape(x4, [x4.shape[0], -1]) as tf.Tensor2D;
        for (const fc of fcs) x = tf.relu(fc(x));
        return { classLogits: classifier(x), boxDeltas: regressor(x) };
      },
    };
  },
});

export const boxLoss = defineNode({
  type: 'roi_heads.box_loss',
  version: 1,
  category: 'losses',
  title: 'Box head loss',
  doc:
    'Fast R-CNN losses, detectron2 FastRCNNOutputLayers.losses / PyTorch torchvision fastrcnn_loss: softmax cross-entropy of the ' +
    'class logits against the sampled RoIs\' classes (mean), plus L1 (smooth-L1 with beta) between the deltas of each ' +
    'foreground RoI\'s true class and its target deltas, summed and divided by the number of sampled RoIs. ' +
    'loss = classification + boxWeight × box; both parts are outputs too.',
  inputs: {
    classLogits: { kinds: ['vector'], doc: 'Class scores R×(numClasses+1) from the box head.' },
    boxDeltas: { kinds: ['vector'], doc: 'Box deltas R×4·numClasses from the box head.' },
    targets: { kinds: ['target'], doc: 'Targets from roi_heads.sample.' },
  },
  outputs: {
    loss: { kind: 'loss', doc: 'classification + boxWeight · box.' },
    classLoss: { kind: 'loss', doc: 'Cross-entropy part.' },
    boxLoss: { kind: 'loss', doc: 'Box regression part.' },
  },
  params: {
    smoothL1Beta: p.float({ default: 0, min: 0, max: 10, doc: 'Smooth-L1 transition point; 0 is plain L1 (detectron2\'s default).' }),
    boxWeight: p.float({ default: 1, min: 0, max: 100, doc: 'Weight of the box loss in the combined loss.' }),
  },
  inferShape({ inputs }) {
    const logits = expectRank(inputs.classLogits, 'classLogits', 2, 'class logits R×(classes+1)');
    const deltas = expectRank(inputs.boxDeltas, 'boxDeltas', 2, 'box deltas R×4·classes');
    expectTargets(inputs.targets, 'targets', ['classes', 'boxTargets']);
    if (typeof logits[1] === 'number' && typeof deltas[1] === 'number' && deltas[1] !== 4 * (logits[1] - 1)) {
      throw new ShapeError(`boxDeltas has ${deltas[1]} columns but ${logits[1] - 1} classes need ${4 * (logits[1] - 1)}`, { port: 'boxDeltas' });
    }
    const scalar: ValueType = { kind: 'loss', shape: [] };
    return { loss: scalar, classLoss: scalar, boxLoss: scalar };
  },
  flops: ({ inputs }) => 5 * elements(inputs.classLogits) + 3 * elements(inputs.boxDeltas),
  build({ params }) {
    return {
      forward(inputs) {
        const logits = tensorOf(inputs.classLogits, 'classLogits');
        const deltas = tensorOf(inputs.boxDeltas, 'boxDeltas');
        const classes = fieldOf(inputs.targets, 'targets', 'classes');
        const targets = fieldOf(inputs.targets, 'targets', 'boxTargets').dataSync();
        const [r, cols] = deltas.shape;
        if (classes.shape[0] !== r || logits.shape[0] !== r) {
          throw new Error(`${logits.shape[0]} class scores and ${r} box deltas for ${classes.shape[0]} targets: wire the heads to the RoIs of the same roi_heads.sample`);
        }
        const classValues = classes.dataSync();
        const expanded = new Float32Array(r * cols);
        const mask = new Float32Array(r * cols);
        for (let i = 0; i < r; i++) {
          const c = classValues[i];
          if (c <= 0) continue;
          for (let k = 0; k < 4; k++) {
            expanded[i * cols + 4 * (c - 1) + k] = targets[4 * i + k];
            mask[i * cols + 4 * (c - 1) + k] = 1;
          }
        }
        const classLoss = crossEntropy(logits, classes);
        const box = normalizedSum(tf.mul(smoothL1(tf.sub(deltas, tf.tensor2d(expanded, [r, cols])), params.smoothL1Beta), tf.tensor2d(mask, [r, cols])), r);
        return { loss: tf.add(classLoss, tf.mul(box, params.boxWeight)), classLoss, boxLoss: box };
      },
    };
  },
});

export const detections = defineNode({
  type: 'roi_heads.detections',
  version: 1,
  category: 'detection',
  title: 'Box post-processing',
  doc:
    'Turns box-head outputs into detections, detectron2 fast_rcnn_inference / PyTorch torchvision RoIHeads.postprocess_detections: ' +
    'softmax class scores, each RoI decoded once per object class with that class\'s deltas (weights 10,10,5,5) and clipped ' +
    'to the image, (RoI, class) pairs scoring above scoreThreshold kept, NMS per class at nmsThreshold, and the ' +
    'maxPerImage best kept per image. Not differentiated. Outputs are flat over the batch: boxes R×5 (batch index first), ' +
    'scores R and classes R (1…numClasses), best first within each image.',
  inputs: {
    classLogits: { kinds: ['vector'], doc: 'Class scores R×(numClasses+1) from the box head.' },
    boxDeltas: { kinds: ['vector'], doc: 'Box deltas R×4·numClasses from the box head.' },
    rois: { kinds: ['rois'], doc: 'The RoIs the head scored.' },
    image: { kinds: ['image'], doc: 'Input images, for clipping boxes to their size.' },
  },
  outputs: {
    boxes: { kind: 'rois', doc: 'Detected boxes R×5 (batch index, x1, y1, x2, y2).' },
    scores: { kind: 'tensor', doc: 'Class probability of each detection, R.' },
    classes: { kind: 'labels', doc: 'Class of each detection, R (1…numClasses).' },
  },
  params: {
    scoreThreshold: p.float({ default: 0.05, min: 0, max: 1, doc: 'Smallest class probability kept.' }),
    nmsThreshold: p.float({ default: 0.5, min: 0, max: 1, doc: 'IoU above which a lower-scoring detection of the same class is dropped.' }),
    maxPerImage: p.int({ default: 100, min: 1, max: 10000, doc: 'Detections kept per image.' }),
    boxWeights: boxWeightsParam,
  },
  inferShape({ inputs }) {
    const logits = expectRank(inputs.classLogits, 'classLogits', 2, 'class logits R×(classes+1)');
    const deltas = expectRank(inputs.boxDeltas, 'boxDeltas', 2, 'box deltas R×4·classes');
    expectRois(inputs.rois, 'rois');
    expectImage(inputs.image, 'image');
    if (typeof logits[1] === 'number' && typeof deltas[1] === 'number' && deltas[1] !== 4 * (logits[1] - 1)) {
      throw new ShapeError(`boxDeltas has ${deltas[1]} columns but ${logits[1] - 1} classes need ${4 * (logits[1] - 1)}`, { port: 'boxDeltas' });
    }
    return {
      boxes: { kind: 'rois', shape: ['R', 5] },
      scores: { kind: 'tensor', shape: ['R'] },
      classes: { kind: 'labels', shape: ['R'], dtype: 'int32' },
    };
  },
  // Softmax and box decoding per class and RoI, before NMS.
  flops: ({ inputs }) => 5 * elements(inputs.classLogits) + 20 * elements(inputs.boxDeltas) / 4,
  build({ params, inputs: types }) {
    const weights = params.boxWeights as unknown as BoxWeights;
    const { h: height, w: width } = expectImage(types.image, 'image');
    return {
      forward(inputs) {
        const logitsTensor = tensorOf(inputs.classLogits, 'classLogits');
        const [r, k1] = logitsTensor.shape;
        const numClasses = k1 - 1;
        const logits = logitsTensor.dataSync();
        const deltas = tensorOf(inputs.boxDeltas, 'boxDeltas').dataSync();
        const rois = tensorOf(inputs.rois, 'rois').dataSync();
        if (rois.length / 5 !== r) throw new Error(`${rois.length / 5} RoIs but ${r} class scores: wire the RoIs the box head pooled`);
        const batch = tensorOf(inputs.image, 'image').shape[0];
        const roiBoxes = new Float32Array(r * 4);
        for (let i = 0; i < r; i++) roiBoxes.set(rois.subarray(5 * i + 1, 5 * i + 5), 4 * i);
        const decoded = clipBoxes(decodeBoxes(deltas as Float32Array, roiBoxes, weights, undefined, numClasses), height, width);
        const probabilities = new Float32Array(r * k1);
        for (let i = 0; i < r; i++) {
          let max = -Infinity;
          for (let c = 0; c < k1; c++) max = Math.max(max, logits[i * k1 + c]);
          let sum = 0;
          for (let c = 0; c < k1; c++) sum += probabilities[i * k1 + c] = Math.exp(logits[i * k1 + c] - max);
          for (let c = 0; c < k1; c++) probabilities[i * k1 + c] /= sum;
        }
        const outBoxes: number[] = [];
        const outScores: number[] = [];
        const outClasses: number[] = [];
        for (let b = 0; b < batch; b++) {
          const boxes: number[] = [];
          const scores: number[] = [];
          const classes: number[] = [];
          for (let i = 0; i < r; i++) {
            if (rois[5 * i] !== b) continue;
            for (let c = 1; c <= numClasses; c++) {
              const score = probabilities[i * k1 + c];
              const at = (i * numClasses + c - 1) * 4;
              if (!(score > params.scoreThreshold)) continue;
              if (!Number.isFinite(decoded[at] + decoded[at + 1] + decoded[at + 2] + decoded[at + 3])) continue;
              boxes.push(decoded[at], decoded[at + 1], decoded[at + 2], decoded[at + 3]);
              scores.push(score);
              classes.push(c);
            }
          }
          for (const j of batchedNms(boxes, scores, classes, params.nmsThreshold).slice(0, params.maxPerImage)) {
            outBoxes.push(b, boxes[4 * j], boxes[4 * j + 1], boxes[4 * j + 2], boxes[4 * j + 3]);
            outScores.push(scores[j]);
            outClasses.push(classes[j]);
          }
        }
        return {
          boxes: tf.tensor2d(outBoxes, [outScores.length, 5]),
          scores: tf.tensor1d(outScores),
          classes: tf.tensor1d(outClasses, 'int32'),
        };
      },
    };
  },
});

export const maskRois = defineNode({
  type: 'roi_heads.mask_rois',
  version: 1,
  category: 'detection',
  title: 'Mask RoIs',
  doc:
    'Chooses the RoIs the mask branch runs on, as detectron2 StandardROIHeads and PyTorch torchvision RoIHeads do: in training the foreground RoIs of ' +
    'the box head\'s sample (select_foreground_proposals), with their ground-truth class and object; at inference the ' +
    'final detections with their predicted class (forward_with_given_boxes), so masks are predicted for what was ' +
    'detected. The detections inputs are read only at inference.',
  inputs: {
    rois: { kinds: ['rois'], doc: 'Sampled RoIs from roi_heads.sample.' },
    targets: { kinds: ['target'], doc: 'Their targets from roi_heads.sample.' },
    detections: { kinds: ['rois'], doc: 'Detected boxes from roi_heads.detections (used at inference).' },
    detectionClasses: { kinds: ['labels'], doc: 'Detected classes from roi_heads.detections (used at inference).' },
  },
  outputs: {
    rois: { kind: 'rois', doc: 'RoIs for the mask head, R×5.' },
    targets: { kind: 'target', doc: 'Per RoI: classes [R] (the mask channel to use) and gtSlots [R] (matched object, −1 at inference).' },
  },
  params: {},
  inferShape({ inputs }) {
    expectRois(inputs.rois, 'rois');
    expectRois(inputs.detections, 'detections');
    expectTargets(inputs.targets, 'targets', ['classes', 'gtSlots']);
    expectRank(inputs.detectionClasses, 'detectionClasses', 1, 'detected classes R');
    return { rois: { kind: 'rois', shape: ['R', 5] }, targets: maskTargetsType };
  },
  // Selecting RoIs and their targets is indexing.
  flops: noArithmetic,
  build() {
    return {
      forward(inputs, mode) {
        if (!mode.training) {
          const boxes = tensorOf(inputs.detections, 'detections');
          const classes = tensorOf(inputs.detectionClasses, 'detectionClasses');
          return {
            rois: boxes.clone(),
            targets: { classes: tf.cast(classes, 'int32'), gtSlots: tf.fill([classes.shape[0]], -1, 'int32') },
          };
        }
        const rois = tensorOf(inputs.rois, 'rois').dataSync();
        const classes = fieldOf(inputs.targets, 'targets', 'classes').dataSync();
        const slots = fieldOf(inputs.targets, 'targets', 'gtSlots').dataSync();
        const keep: number[] = [];
        for (let i = 0; i < classes.length; i++) if (classes[i] > 0) keep.push(i);
        const rows = new Float32Array(keep.length * 5);
        keep.forEach((i, j) => rows.set(rois.subarray(5 * i, 5 * i + 5), 5 * j));
        return {
          rois: tf.tensor2d(rows, [keep.length, 5]),
          targets: {
            classes: tf.tensor1d(keep.map((i) => classes[i]), 'int32'),
            gtSlots: tf.tensor1d(keep.map((i) => slots[i]), 'int32'),
          },
        };
      },
    };
  },
});

export const maskHead = defineNode({
  type: 'roi_heads.mask',
  version: 1,
  category: 'segmentation',
  title: 'Mask head',
  doc:
    'The Mask R-CNN mask head, detectron2 MaskRCNNConvUpsampleHead / PyTorch torchvision MaskRCNNHeads + MaskRCNNPredictor: 3×3 ' +
    'convs with ReLU (four of 256 in Mask R-CNN), a 2×2 stride-2 transposed conv with ReLU doubling the size (14 → 28), ' +
    'and a 1×1 conv giving one mask logit map per object class (class c in channel c−1). Convs c2_msra_fill, predictor ' +
    'N(0, 0.001), biases 0.',
  inputs: {
    features: { kinds: ['image'], doc: 'Pooled RoI features R×S×S×C from roi_align (S = 14 in Mask R-CNN).' },
  },
  outputs: {
    maskLogits: { kind: 'mask', doc: 'Mask logits R×2S×2S×numClasses.' },
  },
  params: {
    numClasses: numClassesParam,
    convDims: p.ints({ default: [256, 256, 256, 256], minLength: 1, maxLength: 16, min: 1, max: 4096, doc: 'Channels of each 3×3 conv; the last also sets the transposed conv\'s.' }),
  },
  inferShape({ inputs, params }) {
    const { n, h, w } = expectImage(inputs.features, 'features');
    return { maskLogits: { kind: 'mask', shape: [n, 2 * h, 2 * w, params.numClasses] } };
  },
  flops({ inputs, params }) {
    const { h, w, c } = expectImage(inputs.features, 'features');
    let channels = c;
    let total = 0;
    for (const dim of params.convDims) {
      total += convFlops(h * w, 3, channels, dim);
      channels = dim;
    }
    // 2×2 stride-2 transposed conv, then the 1×1 predictor on the doubled map.
    return total + convFlops(h * w, 2, channels, channels) + convFlops(4 * h * w, 1, channels, params.numClasses);
  },
  build(ctx) {
    const { params } = ctx;
    const { h, w, c } = expectImage(ctx.inputs.features, 'features');
    let channels = c;
    const convs = params.convDims.map((dim, i) => {
      const conv = makeConv(ctx, `conv${i + 1}`, channels, dim, 3, { padding: 1 });
      channels = dim;
      return conv;
    });
    const deconvKernel = ctx.weight('deconv.kernel', [2, 2, channels, channels], msraFill(channels * 4));
    const deconvBias = ctx.weight('deconv.bias', [channels], zeros);
    const predictor = makeConv(ctx, 'predictor', channels, params.numClasses, 1, { init: normal(0, 0.001) });
    return {
      forward(inputs) {
        let x = tensor4dOf(inputs.features, 'features');
        if (x.shape[0] === 0) return { maskLogits: tf.zeros([0, 2 * h, 2 * w, params.numClasses]) };
        for (const conv of convs) x = tf.relu(conv(x));
        x = tf.relu(convTranspose2dTorch(x, deconvKernel, deconvBias, { stride: 2 }));
        return { maskLogits: predictor(x) };
      },
    };
  },
});

export const maskLoss = defineNode({
  type: 'roi_heads.mask_loss',
  version: 1,
  category: 'losses',
  title: 'Mask loss',
  doc:
    'Mask R-CNN\'s mask loss, detectron2 mask_rcnn_loss / PyTorch torchvision maskrcnn_loss: for each foreground RoI the ground-truth ' +
    'mask of its matched object is cropped to the RoI box and resampled to the logits\' M×M (RoIAlign, aligned, then ' +
    'thresholded at 0.5), and binary cross-entropy with logits is taken on the channel of the RoI\'s true class only ' +
    '(mean over RoIs and pixels), so classes do not compete for a pixel. RoIs without a matched object (at inference) ' +
    'add nothing; with none at all the loss is 0.',
  inputs: {
    maskLogits: { kinds: ['mask'], doc: 'Mask logits R×M×M×numClasses from the mask head.' },
    rois: { kinds: ['rois'], doc: 'The RoIs the mask head ran on (roi_heads.mask_rois).' },
    targets: { kinds: ['target'], doc: 'Their targets (roi_heads.mask_rois).' },
    masks: { kinds: ['mask'], doc: 'Ground-truth instance masks N×H×W×K, channel k for object k.' },
  },
  outputs: {
    loss: { kind: 'loss', doc: 'Mean binary cross-entropy.' },
  },
  params: {},
  inferShape({ inputs }) {
    expectRank(inputs.maskLogits, 'maskLogits', 4, 'mask logits R×M×M×classes');
    expectRois(inputs.rois, 'rois');
    expectTargets(inputs.targets, 'targets', ['classes', 'gtSlots']);
    expectRank(inputs.masks, 'masks', 4, 'ground-truth masks N×H×W×K');
    return { loss: { kind: 'loss', shape: [] } };
  },
  flops: ({ inputs }) => 6 * elements(inputs.maskLogits),
  build() {
    return {
      forward(inputs) {
        const logits = tensor4dOf(inputs.maskLogits, 'maskLogits');
        const [r, m, m2, k] = logits.shape;
        const rois = tensorOf(inputs.rois, 'rois').dataSync();
        const classes = fieldOf(inputs.targets, 'targets', 'classes').dataSync();
        const slots = fieldOf(inputs.targets, 'targets', 'gtSlots').dataSync();
        if (rois.length / 5 !== r || classes.length !== r) {
          throw new Error(`${r} mask logit maps for ${rois.length / 5} RoIs and ${classes.length} targets: wire the RoIs and targets of the same roi_heads.mask_rois`);
        }
        const masksTensor = tensorOf(inputs.masks, 'masks');
        const [, height, width, objects] = masksTensor.shape;
        const gt = masksTensor.dataSync();
        const target = new Float32Array(r * m * m2);
        const onehot = new Float32Array(r * k);
        const weight = new Float32Array(r);
        const channel = new Float32Array(height * width);
        let counted = 0;
        for (let i = 0; i < r; i++) {
          const slot = slots[i];
          const c = classes[i];
          if (slot < 0 || c <= 0) continue;
          if (c > k) throw new Error(`RoI ${i} has class ${c} but the mask head predicts ${k} classes; set numClasses to match`);
          if (slot >= objects) throw new Error(`RoI ${i} is matched to object ${slot} but the masks have ${objects} channels`);
          const b = rois[5 * i];
          for (let p = 0; p < height * width; p++) channel[p] = gt[(b * height * width + p) * objects + slot];
          target.set(cropAndResizeMask(channel, height, width, rois.subarray(5 * i + 1, 5 * i + 5), m), i * m * m2);
          onehot[i * k + c - 1] = 1;
          weight[i] = 1;
          counted++;
        }
        if (counted === 0) return { loss: tf.mul(tf.sum(logits), 0) };
        const selected = tf.sum(tf.mul(logits, tf.tensor4d(onehot, [r, 1, 1, k])), 3);
        const perPixel = bceWithLogitsElementwise(selected, tf.tensor3d(target, [r, m, m2]));
        return { loss: normalizedSum(tf.mul(perPixel, tf.tensor3d(weight, [r, 1, 1])), counted * m * m2) };
      },
    };
  },
});
