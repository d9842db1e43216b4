/**
 * Box and mask AP of an instance-segmentation graph on a dataset split: the
 * graph runs in evaluation mode batch by batch, its Instances node's padded
 * outputs are read back per image and compared with the dataset's boxes,
 * classes and masks fields.
 */
import { tf } from '../tf';
import { StepExecutor } from '../compile/executor';
import type { Program } from '../compile/compiler';
import { makeBatch } from '../data/batch';
import type { DatasetSource } from '../data/dataset-api';
import { averagePrecision, type ImageEvaluation, type InstanceSet } from './coco-ap';

/** The node type whose outputs are evaluated (nodes/detection/postprocess.ts). */
export const INSTANCES_NODE_TYPE = 'postprocess.instances';

export interface EvaluateOptions {
  /** Dataset fields the graph reads. */
  fields: string[];
  batchSize: number;
  /** At most this many images of the split (all of a finite split by default). */
  maxImages?: number;
  seed: number;
  step: number;
}

/** Ground-truth fields the metrics need from every sample. */
export const INSTANCE_FIELDS = ['boxes', 'classes', 'masks'] as const;

function readInstances(
  boxes: ArrayLike<number>,
  classes: ArrayLike<number>,
  masks: ArrayLike<number> | undefined,
  scores: ArrayLike<number> | undefined,
  image: number,
  slots: number,
  pixels: number,
): InstanceSet {
  const kept: number[] = [];
  for (let k = 0; k < slots; k++) if (classes[image * slots + k] > 0) kept.push(k);
  const set: InstanceSet = {
    boxes: kept.flatMap((k) => Array.from({ length: 4 }, (_, j) => boxes[(image * slots + k) * 4 + j])),
    classes: kept.map((k) => classes[image * slots + k]),
  };
  if (scores) set.scores = kept.map((k) => scores[image * slots + k]);
  if (masks) {
    set.masks = kept.map((k) => {
      const m = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++) m[p] = masks[(image * pixels + p) * slots + k] > 0.5 ? 1 : 0;
      return m;
    });
  }
  return set;
}

/**
 * COCO box and mask AP (0.50:0.95), AP50 and AP75 of node `nodeId` over the
 * first images of `source`. Keys: 'bbox/AP', 'bbox/AP50', …, 'segm/AP', ….
 */
export function evaluateInstances(program: Program, nodeId: string, source: DatasetSource, options: EvaluateOptions): Record<string, number> {
  const total = Math.min(options.maxImages ?? source.size, source.size);
  if (!Number.isFinite(total) || total <= 0) throw new Error(`cannot evaluate '${nodeId}' on a split of ${source.size} images; set maxImages`);
  const fields = [...new Set([...options.fields, ...INSTANCE_FIELDS])];
  const images: ImageEvaluation[] = [];
  for (let start = 0; start < total; start += options.batchSize) {
    const indices = Array.from({ length: Math.min(options.batchSize, total - start) }, (_, i) => start + i);
    const batch = makeBatch(source, indices, fields);
    const executor = new StepExecutor(program, { training: false, step: options.step, seed: options.seed, batch });
    try {
      const out = executor.evaluate([nodeId]).get(nodeId)!;
      const get = (port: string) => {
        const v = out[port];
        if (!(v instanceof tf.Tensor)) throw new Error(`node '${nodeId}' produced no '${port}' output to evaluate`);
        return v;
      };
      const detBoxes = get('boxes').dataSync();
      const detScores = get('scores').dataSync();
      const detClasses = get('classes').dataSync();
      const detMasks = get('masks');
      const [height, width, slots] = [detMasks.shape[1], detMasks.shape[2], detMasks.shape[3]] as number[];
      const detMaskValues = detMasks.dataSync();
      const gtBoxes = batch.boxes.dataSync();
      const gtClasses = batch.classes.dataSync();
      const gtMasks = batch.masks.dataSync();
      const gtSlots = batch.classes.shape[1] as number;
      if (batch.masks.shape[1] !== height || batch.masks.shape[2] !== width) {
        throw new Error(`node '${nodeId}' outputs ${height}×${width} masks but the dataset's are ${batch.masks.shape[1]}×${batch.masks.shape[2]}`);
      }
      for (let b = 0; b < indices.length; b++) {
        images.push({
          detections: readInstances(detBoxes, detClasses, detMaskValues, detScores, b, slots, height * width),
          groundTruth: readInstances(gtBoxes, gtClasses, gtMasks, undefined, b, gtSlots, height * width),
        });
      }
    } finally {
      executor.dispose();
      tf.dispose(Object.values(batch));
    }
  }
  const box = averagePrecision(images, 'box');
  const mask = averagePrecision(images, 'mask');
  return {
    'bbox/AP': box.ap,
    'bbox/AP50': box.ap50,
    'bbox/AP75': box.ap75,
    'segm/AP': mask.ap,
    'segm/AP50': mask.ap50,
    'segm/AP75': mask.ap75,
  };
}
