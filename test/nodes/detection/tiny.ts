/** A Mask R-CNN small enough for tests: 32×32 images, a few channels everywhere. */
import type { MaskRcnnConfig } from '../../../nodes/templates/mask-rcnn';

export const TINY_MASK_RCNN: Partial<MaskRcnnConfig> = {
  imageSize: 32,
  maxObjects: 2,
  background: 'flat',
  backboneDepths: [1, 1, 1, 1],
  backboneWidths: [8, 8, 16, 16],
  stemChannels: 8,
  fpnChannels: 16,
  anchorSizes: [8, 16, 32, 64],
  rpnBatchPerImage: 64,
  proposalsTrain: 50,
  proposalsTest: 30,
  roiBatchPerImage: 32,
  boxFcDims: [32],
  maskConvDims: [16],
  boxPool: 5,
  maskPool: 8,
  detectionsPerImage: 5,
  lr: 3e-3,
  warmupSteps: 5,
  batchSize: 2,
};
