import { promises as fs } from 'node:fs';
import { compressRleCounts } from '../ops/detection/rle-string';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCoco, cocoDataset, type CocoParams } from '../../../core/data/coco';
import { DatasetError } from '../../../core/data/dataset-api';
import { defaultParams } from '../../../core/params';
import { encodeRle } from '../../../core/ops/detection/masks';
import { compileGraph } from '../../../core/compile/compiler';
import { TrainingSession } from '../../../core/train/session';
import { makeBatch, openDataset } from '../../../core/data/batch';
import { datasetFieldsUsed } from '../../../core/train/trainer';
import { selectBackend } from '../../../core/backend/select';
import { tf } from '../../../core/tf';
import { buildMaskRcnn } from '../../../nodes/templates/mask-rcnn';
import { TINY_MASK_RCNN } from '../../nodes/detection/tiny';
import { library } from '../../library';
import { nodeIO } from '../../../core/node-io';

let dir: string;


/** A 10×20 (h×w) mask with columns 2…5 of rows 4…7 set, as RLE. */
function rectangleRle(compressed: boolean) {
  const mask = new Uint8Array(10 * 20);
  for (let r = 4; r < 8; r++) for (let c = 2; c < 6; c++) mask[r * 20 + c] = 1;
  const rle = encodeRle(mask, 10, 20);
  return compressed ? { size: rle.size, counts: compressRleCounts(rle.counts as number[]) } : rle;
}

function cocoJson(overrides: Record<string, unknown> = {}) {
  return {
    images: [
      { id: 1, file_name: 'wide.png', width: 40, height: 20 },
      { id: 2, file_name: 'small.png', width: 20, height: 10 },
      { id: 3, file_name: 'wide.png', width: 40, height: 20 },
    ],
    categories: [
      { id: 7, name: 'cat' },
      { id: 9, name: 'dog' },
    ],
    annotations: [
      // A 20×10 rectangle at (8, 4) in the 40×20 image, as a polygon.
      { id: 100, image_id: 1, category_id: 9, bbox: [8, 4, 20, 10], area: 200, iscrowd: 0, segmentation: [[8, 4, 28, 4, 28, 14, 8, 14]] },
      { id: 101, image_id: 2, category_id: 7, bbox: [2, 4, 4, 4], area: 16, iscrowd: 0, segmentation: rectangleRle(true) },
      { id: 102, image_id: 2, category_id: 9, bbox: [2, 4, 4, 4], area: 16, iscrowd: 0, segmentation: rectangleRle(false) },
      { id: 103, image_id: 2, category_id: 7, bbox: [0, 0, 20, 10], area: 200, iscrowd: 1, segmentation: rectangleRle(false) },
    ],
    ...overrides,
  };
}

async function writeJson(name: string, json: unknown): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, JSON.stringify(json));
  return file;
}

const params = (overrides: Partial<CocoParams>): CocoParams => ({ ...defaultParams(cocoDataset.params), imageSize: 32, maxObjects: 3, valFraction: 0, ...overrides });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tw-coco-'));
  const red = { r: 255, g: 0, b: 0 };
  await sharp({ create: { width: 40, height: 20, channels: 3, background: red } }).png().toFile(path.join(dir, 'wide.png'));
  await sharp({ create: { width: 20, height: 10, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 1 } } }).png().toFile(path.join(dir, 'small.png'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('COCO instances dataset', () => {
  it('reads polygons and RLE, scales with padding, maps categories to the graph\'s class order, skips crowds', async () => {
    const file = await writeJson('ok.json', cocoJson());
    const source = openCoco(params({ annotations: file, categories: 'dog, cat' }), { seed: 0, split: 'train', io: nodeIO });
    expect(source.size).toBe(3);
    expect(source.classNames).toEqual(['dog', 'cat']);
    // Image 1 (40×20) scales by 0.8 to 32×16 and is padded below.
    const first = source.sample(0);
    expect(Array.from(first.boxes.data)).toEqual([6.4, 3.2, 22.4, 11.2, 0, 0, 0, 0, 0, 0, 0, 0].map((v) => expect.closeTo(v, 4)));
    expect(Array.from(first.classes.data)).toEqual([1, 0, 0]);
    const image = first.image.data;
    expect([image[0], image[1], image[2]]).toEqual([1, 0, 0]);
    expect(image[(20 * 32 + 5) * 3]).toBe(0);
    const maskAt = (s: typeof first, row: number, col: number, k: number) => s.masks.data[(row * 32 + col) * 3 + k];
    expect(maskAt(first, 6, 10, 0)).toBe(1);
    expect(maskAt(first, 2, 10, 0)).toBe(0);
    expect(maskAt(first, 6, 24, 0)).toBe(0);
    expect(first.semantic.data[6 * 32 + 10]).toBe(1);
    // Image 2 (20×10) scales by 1.6; its two RLE objects (compressed and not) decode to the same rectangle.
    const second = source.sample(1);
    expect(Array.from(second.classes.data)).toEqual([2, 1, 0]);
    expect(second.objectCount.data[0]).toBe(2);
    for (const k of [0, 1]) {
      expect(maskAt(second, 8, 4, k)).toBe(1);
      expect(maskAt(second, 5, 4, k)).toBe(0);
    }
    expect(second.image.data[2]).toBe(1);
  });

  it('holds out the last images by id, or reads a validation file', async () => {
    const file = await writeJson('split.json', cocoJson());
    const p = params({ annotations: file, valFraction: 0.34 });
    expect(openCoco(p, { seed: 0, split: 'train', io: nodeIO }).size).toBe(2);
    const val = openCoco(p, { seed: 0, split: 'val', io: nodeIO });
    expect(val.size).toBe(1);
    // Image 3 has no annotations: it is kept, as background only.
    expect(Array.from(val.sample(0).classes.data)).toEqual([0, 0, 0]);
    expect(val.sample(0).objectCount.data[0]).toBe(0);
    const valFile = await writeJson('val.json', cocoJson({ images: [{ id: 5, file_name: 'small.png', width: 20, height: 10 }], annotations: [] }));
    expect(openCoco({ ...p, valAnnotations: valFile }, { seed: 0, split: 'val', io: nodeIO }).size).toBe(1);
  });

  const expectError = (p: CocoParams, pattern: RegExp) => {
    let thrown: unknown;
    try {
      openCoco(p, { seed: 0, split: 'train', io: nodeIO });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DatasetError);
    expect((thrown as Error).message).toMatch(pattern);
  };

  it('names the file and entry of an annotation with an unknown category, or one outside the graph\'s classes', async () => {
    const json = cocoJson();
    json.annotations[2] = { ...json.annotations[2], category_id: 42 };
    const file = await writeJson('unknown.json', json);
    expectError(params({ annotations: file }), /unknown\.json: annotations\[2\] \(id 102\) has category_id 42, an unknown category: the file defines 7, 9/);
    const ok = await writeJson('classes.json', cocoJson());
    expectError(params({ annotations: ok, categories: 'cat' }), /classes\.json: annotations\[0\] \(id 100\) is a 'dog' \(category 9\), which is not among the graph's classes \(cat\)/);
    expectError(params({ annotations: ok, categories: 'cat,horse' }), /no category named 'horse'/);
  });

  it('names malformed entries and missing images', async () => {
    const badBox = cocoJson();
    badBox.annotations[0] = { ...badBox.annotations[0], bbox: [1, 2, 3] };
    expectError(params({ annotations: await writeJson('bbox.json', badBox) }), /bbox\.json: annotations\[0\] \(id 100\): 'bbox' must be \[x, y, width, height\]/);
    const badPolygon = cocoJson();
    badPolygon.annotations[0] = { ...badPolygon.annotations[0], segmentation: [[1, 2, 3]] };
    expectError(params({ annotations: await writeJson('poly.json', badPolygon) }), /annotations\[0\] \(id 100\): polygon 0 must be a flat list/);
    const badRle = cocoJson();
    badRle.annotations[1] = { ...badRle.annotations[1], segmentation: { size: [10, 10], counts: [1] } };
    expectError(params({ annotations: await writeJson('rle.json', badRle) }), /annotations\[1\] \(id 101\): the RLE's size \[10,10\] must be \[height, width\] of its image, \[10, 20\]/);
    const orphan = cocoJson();
    orphan.annotations[0] = { ...orphan.annotations[0], image_id: 99 };
    expectError(params({ annotations: await writeJson('orphan.json', orphan) }), /annotations\[0\] \(id 100\) refers to image_id 99/);
    const missing = cocoJson();
    missing.images[1] = { ...missing.images[1], file_name: 'nope.png' };
    expectError(params({ annotations: await writeJson('missing.json', missing) }), /missing\.json: images\[1\] \(id 2\): the image 'nope\.png' is not in/);
    await fs.writeFile(path.join(dir, 'broken.json'), '{"images": [');
    expectError(params({ annotations: path.join(dir, 'broken.json') }), /broken\.json: is not valid JSON/);
    expectError(params({ annotations: await writeJson('empty.json', { images: [] }) }), /has no 'annotations' list/);
    expectError(params({}), /set annotations/);
  });

  it('trains the Mask R-CNN template for a step', async () => {
    await selectBackend('wasm');
    const file = await writeJson('train.json', cocoJson());
    const graph = buildMaskRcnn({ ...TINY_MASK_RCNN, background: undefined, maxObjects: undefined });
    graph.dataset = { type: 'coco', params: { annotations: file, categories: 'dog,cat', imageSize: 32, maxObjects: 3, valFraction: 0 } };
    for (const node of graph.nodes) if ('numClasses' in node.params) node.params.numClasses = 2;
    compileGraph(graph, { registries: library }).dispose();
    const session = TrainingSession.compile(graph, { registries: library });
    const source = openDataset(graph.dataset, { seed: 0, split: 'train', io: nodeIO });
    const batch = makeBatch(source, [0, 1], datasetFieldsUsed(graph, library));
    const { losses } = session.step(batch, 0);
    tf.dispose(Object.values(batch));
    session.dispose();
    for (const name of ['rpn_loss', 'box_loss', 'mask_loss']) expect(Number.isFinite(losses[name]), name).toBe(true);
  });
});
