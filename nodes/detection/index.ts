/**
 * Mask R-CNN from nodes: backbone, FPN, anchors, RPN, RoIAlign, RoI heads
 * and post-processing, keyed by their stable types for the node registry.
 */
import { resnetBackbone } from './backbone';
import { fpn } from './fpn';
import { anchors, rpnHead, rpnLoss, rpnProposals } from './rpn';
import { roiAlignNode } from './roi-align';
import { boxHead, boxLoss, detections, maskHead, maskLoss, maskRois, roiSample } from './roi-heads';
import { instances } from './postprocess';

export const detectionNodes = {
  'backbone.resnet': resnetBackbone,
  'neck.fpn': fpn,
  'detection.anchors': anchors,
  'rpn.head': rpnHead,
  'rpn.loss': rpnLoss,
  'rpn.proposals': rpnProposals,
  'roi_heads.sample': roiSample,
  roi_align: roiAlignNode,
  'roi_heads.box': boxHead,
  'roi_heads.box_loss': boxLoss,
  'roi_heads.detections': detections,
  'roi_heads.mask_rois': maskRois,
  'roi_heads.mask': maskHead,
  'roi_heads.mask_loss': maskLoss,
  'postprocess.instances': instances,
} as const;
