/**
 * The template gallery: ready graphs that train as they are. Each template
 * is written in code with the graph builder (so its wiring reads like the
 * architecture and its params stay valid as node types evolve) and is
 * checked by a test that validates it and trains a few steps.
 */
import type { GraphDocument } from '../../core/graph/schema';
import { shapeClassifier } from './classifier';
import { edgesToImage } from './edges-to-image';
import { segmentationUnet } from './segmentation-unet';
import { cgan } from './cgan';
import { pix2pix } from './pix2pix';
import { cyclegan } from './cyclegan';
import { perceptual } from './perceptual';
import { maskRcnn } from './mask-rcnn';

export interface TemplateInfo {
  /** Stable id used by `tensorweave new <id>`. */
  id: string;
  title: string;
  /** One line for lists. */
  summary: string;
  /** One paragraph for the gallery: what it is, what it learns, what to try. */
  description: string;
  category: 'basics' | 'segmentation' | 'detection' | 'keypoints' | 'generative';
  build(): GraphDocument;
}

export const templates: TemplateInfo[] = [shapeClassifier, segmentationUnet, edgesToImage, maskRcnn, cgan, pix2pix, cyclegan, perceptual];

export function findTemplate(id: string): TemplateInfo | undefined {
  return templates.find((t) => t.id === id);
}
