/**
 * Box and mask AP of the Instances node: its padded outputs are read back
 * per image and compared with the dataset's boxes, classes and masks fields
 * (COCO AP 0.50:0.95, AP50 and AP75, core/metrics/coco-ap.ts).
 */
import { tf } from '../../core/tf';
import type { NodeMetrics } from '../../core/node-api';
import { averagePrecision, type ImageEvaluation, type InstanceSet } from '../../core/metrics/coco-ap';

/** Ground-truth fields the metrics need from every sample. */
const INSTANCE_FIELDS = ['boxes', 'classes', 'masks'] as const;

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

/** Keys: 'bbox/AP', 'bbox/AP50', 'bbox/AP75', 'segm/AP', 'segm/AP50', 'segm/AP75'. */
export const instanceMetrics: NodeMetrics = {
  fields: INSTANCE_FIELDS,
  start(nodeId) {
    const images: ImageEvaluation[] = [];
    return {
      add(out, batch) {
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
        const count = detMasks.shape[0];
        for (let b = 0; b < count; b++) {
          images.push({
            detections: readInstances(detBoxes, detClasses, detMaskValues, detScores, b, slots, height * width),
            groundTruth: readInstances(gtBoxes, gtClasses, gtMasks, undefined, b, gtSlots, height * width),
          });
        }
      },
      result() {
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
      },
    };
  },
};
