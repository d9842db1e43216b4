/**
 * The template gallery: ready graphs that train as they are. Each template
 * is written in code with the graph builder (so its wiring reads like the
 * architecture and its params stay valid as node types evolve) and is
 * checked by a test that validates it and trains a few steps.
 */
import { findTemplate as findIn, type TemplateInfo } from '../../core/library';
import { shapeClassifier } from './classifier';
import { edgesToImage } from './edges-to-image';
import { segmentationUnet } from './segmentation-unet';
import { cgan } from './cgan';
import { pix2pix } from './pix2pix';
import { cyclegan } from './cyclegan';
import { perceptual } from './perceptual';
import { maskRcnn } from './mask-rcnn';
import { starter } from './starter';

export const templates: TemplateInfo[] = [shapeClassifier, segmentationUnet, edgesToImage, maskRcnn, cgan, pix2pix, cyclegan, perceptual, starter];

/** A shipped template by id, for tests and benchmarks (applications look it up in the library they were given). */
export function findTemplate(id: string): TemplateInfo | undefined {
  return findIn({ templates }, id);
}

export type { TemplateInfo };
