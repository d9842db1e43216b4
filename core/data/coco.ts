/**
 * COCO-format instance annotations (the "instances_*.json" of COCO, and what
 * labelling tools such as CVAT or Label Studio export) with the images in a
 * folder: boxes, classes and instance masks from polygons or run-length
 * encodings, for instance segmentation and detection graphs.
 *
 * Every image is resized to imageSize × imageSize (stretched, or scaled to
 * fit and padded at the right and bottom), and annotations are mapped with
 * it. The whole file is checked when the dataset opens, so a malformed entry,
 * a missing image or a category the graph does not know stops training
 * before it starts, with the file and the entry named.
 */
import type { NodeIO } from '../io';
import { defineDataset, DatasetError, requireIO, type DatasetSource, type FieldArray, type OpenOptions, type Sample } from './dataset-api';
import { p, type ParamValues } from '../params';
import type { ValueType } from '../types';
import { decodeRle, rasterizePolygons, resizeMaskNearest, type CocoRle } from '../ops/detection/masks';


// ---------------------------------------------------------------------------
// Reading and checking the annotation file.

export interface CocoObject {
  classId: number;
  /** x1, y1, x2, y2 in original pixels. */
  box: [number, number, number, number];
  segmentation: number[][] | CocoRle;
  area: number;
}

export interface CocoImage {
  id: number;
  file: string;
  width: number;
  height: number;
  objects: CocoObject[];
}

export interface CocoIndex {
  images: CocoImage[];
  /** Class names in class order: class id c is classNames[c − 1]. */
  classNames: string[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function entryName(list: string, index: number, entry: unknown): string {
  const id = isObject(entry) && entry.id !== undefined ? ` (id ${JSON.stringify(entry.id)})` : '';
  return `${list}[${index}]${id}`;
}

function checkSegmentation(segmentation: unknown, image: CocoImage, where: string): number[][] | CocoRle {
  if (Array.isArray(segmentation)) {
    if (segmentation.length === 0) throw new DatasetError(`${where}: 'segmentation' is an empty list; give polygons [[x1, y1, x2, y2, …]] or an RLE`);
    segmentation.forEach((polygon, i) => {
      if (!Array.isArray(polygon) || polygon.length < 6 || polygon.length % 2 !== 0 || !polygon.every(isNumber)) {
        throw new DatasetError(`${where}: polygon ${i} must be a flat list of at least 3 x, y pairs, got ${JSON.stringify(polygon).slice(0, 80)}`);
      }
    });
    return segmentation as number[][];
  }
  if (isObject(segmentation)) {
    const { counts, size } = segmentation;
    if (!Array.isArray(size) || size.length !== 2 || size[0] !== image.height || size[1] !== image.width) {
      throw new DatasetError(
        `${where}: the RLE's size ${JSON.stringify(size)} must be [height, width] of its image, [${image.height}, ${image.width}]`,
      );
    }
    if (typeof counts !== 'string' && !(Array.isArray(counts) && counts.every((c) => Number.isInteger(c) && c >= 0))) {
      throw new DatasetError(`${where}: RLE 'counts' must be a compressed string or a list of run lengths`);
    }
    return { size: [size[0], size[1]], counts: counts as number[] | string };
  }
  throw new DatasetError(`${where}: 'segmentation' must be polygons or an RLE object {counts, size}, got ${JSON.stringify(segmentation)?.slice(0, 80)}`);
}

/**
 * Parses and checks an annotation file. `categories` are the class names the
 * graph expects, in class order; empty takes every category of the file in
 * id order.
 */
export function readCocoIndex(io: NodeIO, file: string, imageDir: string, categories: readonly string[]): CocoIndex {
  let text: string;
  try {
    text = io.readText(file);
  } catch (error) {
    throw new DatasetError(`cannot read the annotation file (${(error as Error).message})`, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DatasetError(`is not valid JSON (${(error as Error).message})`, file);
  }
  const fail = (message: string): never => {
    throw new DatasetError(message, file);
  };
  if (!isObject(json)) return fail('must hold a JSON object with images, annotations and categories');
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(json[key])) fail(`has no '${key}' list; a COCO instances file has images, annotations and categories`);
  }

  const fileCategories = new Map<number, string>();
  (json.categories as unknown[]).forEach((c, i) => {
    if (!isObject(c) || !Number.isInteger(c.id) || typeof c.name !== 'string') fail(`${entryName('categories', i, c)} needs an integer id and a name`);
    const category = c as { id: number; name: string };
    if (fileCategories.has(category.id)) fail(`${entryName('categories', i, c)} repeats category id ${category.id}`);
    fileCategories.set(category.id, category.name);
  });
  const classNames = categories.length > 0 ? [...categories] : [...fileCategories.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => name);
  for (const name of classNames) {
    if (![...fileCategories.values()].includes(name)) {
      fail(`has no category named '${name}', which the graph's classes list; the file's categories are ${[...fileCategories.values()].map((n) => `'${n}'`).join(', ')}`);
    }
  }
  const classOf = new Map<number, number>();
  for (const [id, name] of fileCategories) {
    const index = classNames.indexOf(name);
    if (index >= 0) classOf.set(id, index + 1);
  }

  const images = new Map<number, CocoImage>();
  (json.images as unknown[]).forEach((entry, i) => {
    const where = entryName('images', i, entry);
    if (!isObject(entry) || !Number.isInteger(entry.id) || typeof entry.file_name !== 'string' || !isNumber(entry.width) || !isNumber(entry.height)) {
      return fail(`${where} needs an integer id, a file_name and a numeric width and height`);
    }
    if (images.has(entry.id as number)) fail(`${where} repeats image id ${entry.id}`);
    const imagePath = io.resolve(imageDir, entry.file_name);
    if (!io.exists(imagePath)) {
      throw new DatasetError(`${where}: the image '${entry.file_name}' is not in ${imageDir}; put it there or point images at its folder`, file);
    }
    images.set(entry.id as number, { id: entry.id as number, file: imagePath, width: entry.width as number, height: entry.height as number, objects: [] });
  });

  (json.annotations as unknown[]).forEach((entry, i) => {
    const where = entryName('annotations', i, entry);
    if (!isObject(entry)) return fail(`${where} must be an object`);
    const image = images.get(entry.image_id as number);
    if (!image) return fail(`${where} refers to image_id ${JSON.stringify(entry.image_id)}, which is not in the images list`);
    if (!fileCategories.has(entry.category_id as number)) {
      return fail(
        `${where} has category_id ${JSON.stringify(entry.category_id)}, an unknown category: the file defines ${[...fileCategories.keys()].join(', ')}`,
      );
    }
    const classId = classOf.get(entry.category_id as number);
    if (classId === undefined) {
      return fail(
        `${where} is a '${fileCategories.get(entry.category_id as number)}' (category ${entry.category_id}), which is not among the graph's classes ` +
          `(${classNames.join(', ')}): add it to the dataset's categories (and raise the heads' numClasses) or remove those annotations`,
      );
    }
    const bbox = entry.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(isNumber) || bbox[2] < 0 || bbox[3] < 0) {
      return fail(`${where}: 'bbox' must be [x, y, width, height] with width, height ≥ 0, got ${JSON.stringify(bbox)}`);
    }
    // Crowd regions mark many objects at once; COCO's evaluation ignores them and so does training here.
    if (entry.iscrowd === 1) return;
    const segmentation = checkSegmentation(entry.segmentation, image, where);
    const [x, y, w, h] = bbox as number[];
    image.objects.push({ classId, box: [x, y, x + w, y + h], segmentation, area: isNumber(entry.area) ? entry.area : w * h });
  });
  return { images: [...images.values()].sort((a, b) => a.id - b.id), classNames };
}

// ---------------------------------------------------------------------------

const cocoParams = {
  annotations: p.string({ default: '', allowEmpty: true, doc: 'The COCO instances JSON file (images, annotations, categories).' }),
  images: p.string({ default: '', allowEmpty: true, doc: 'Folder holding the images named by file_name; empty: the annotation file\'s folder.' }),
  valAnnotations: p.string({
    default: '',
    allowEmpty: true,
    doc: 'A second COCO file for validation (e.g. instances_val2017.json); empty: the last valFraction of the images (by id) are held out.',
  }),
  valImages: p.string({ default: '', allowEmpty: true, doc: 'Folder of the validation images; empty: the validation file\'s folder.' }),
  valFraction: p.float({ default: 0.1, min: 0, max: 0.9, doc: 'Share of images held out for validation when there is no validation file.' }),
  categories: p.string({
    default: '',
    allowEmpty: true,
    doc: 'Class names in class order (1, 2, …), comma-separated, matching the graph\'s heads; empty: every category of the file in id order.',
  }),
  imageSize: p.int({ default: 128, min: 16, max: 2048, doc: 'Images become imageSize × imageSize (a multiple of 32 for a ResNet backbone).' }),
  resize: p.enum({
    options: ['pad', 'stretch'],
    default: 'pad',
    doc: 'pad: scale the longer side to imageSize and pad the right or bottom with black (shapes kept); stretch: scale both sides to imageSize.',
  }),
  maxObjects: p.int({ default: 16, min: 1, max: 256, doc: 'K, the padded number of objects per image; images with more keep their K largest.' }),
};

export type CocoParams = ParamValues<typeof cocoParams>;

export function cocoFields(params: CocoParams): Record<string, ValueType> {
  const S = params.imageSize;
  const K = params.maxObjects;
  return {
    image: { kind: 'image', shape: ['N', S, S, 3], dtype: 'float32' },
    boxes: { kind: 'boxes', shape: ['N', K, 4], dtype: 'float32' },
    classes: { kind: 'labels', shape: ['N', K], dtype: 'int32' },
    masks: { kind: 'mask', shape: ['N', S, S, K], dtype: 'float32' },
    semantic: { kind: 'labels', shape: ['N', S, S], dtype: 'int32' },
    objectCount: { kind: 'tensor', shape: ['N'], dtype: 'int32' },
  };
}

/** How one image maps onto the square output: scale per axis (padding is at the right and bottom). */
function placement(image: CocoImage, params: CocoParams): { width: number; height: number; sx: number; sy: number } {
  const S = params.imageSize;
  if (params.resize === 'stretch') return { width: S, height: S, sx: S / image.width, sy: S / image.height };
  const scale = S / Math.max(image.width, image.height);
  const width = Math.max(1, Math.min(S, Math.round(image.width * scale)));
  const height = Math.max(1, Math.min(S, Math.round(image.height * scale)));
  return { width, height, sx: width / image.width, sy: height / image.height };
}

function field(data: Float32Array | Int32Array, shape: number[]): FieldArray {
  return { data, shape, dtype: data instanceof Int32Array ? 'int32' : 'float32' };
}

function imageSample(io: NodeIO, image: CocoImage, params: CocoParams): Sample {
  const S = params.imageSize;
  const K = params.maxObjects;
  const { width, height, sx, sy } = placement(image, params);
  const [result] = io.decodeImages({ op: 'decode', files: [image.file], width, height });
  if (!('data' in result)) {
    const why = 'error' in result ? result.error : 'no pixels';
    throw new DatasetError(`cannot be decoded as an image (${why}); replace or remove the file`, image.file);
  }
  const rgb = result.data;
  const pixels = new Float32Array(S * S * 3);
  for (let row = 0; row < height; row++) {
    for (let i = 0; i < width * 3; i++) pixels[row * S * 3 + i] = rgb[row * width * 3 + i] / 255;
  }
  const objects = [...image.objects].sort((a, b) => b.area - a.area).slice(0, K);
  const boxes = new Float32Array(K * 4);
  const classes = new Int32Array(K);
  const masks = new Float32Array(S * S * K);
  const semantic = new Int32Array(S * S);
  objects.forEach((object, k) => {
    const [x1, y1, x2, y2] = object.box;
    boxes.set([x1 * sx, y1 * sy, x2 * sx, y2 * sy], 4 * k);
    classes[k] = object.classId;
    let mask: Uint8Array;
    if (Array.isArray(object.segmentation)) {
      mask = rasterizePolygons(object.segmentation.map((poly) => poly.map((v, j) => v * (j % 2 === 0 ? sx : sy))), height, width);
    } else {
      mask = resizeMaskNearest(decodeRle(object.segmentation), image.height, image.width, height, width);
    }
    for (let row = 0; row < height; row++) {
      for (let col = 0; col < width; col++) {
        if (!mask[row * width + col]) continue;
        masks[(row * S + col) * K + k] = 1;
        // Smaller objects are listed later and drawn on top in the class map.
        semantic[row * S + col] = object.classId;
      }
    }
  });
  return {
    image: field(pixels, [S, S, 3]),
    boxes: field(boxes, [K, 4]),
    classes: field(classes, [K]),
    masks: field(masks, [S, S, K]),
    semantic: field(semantic, [S, S]),
    objectCount: field(Int32Array.of(objects.length), []),
  };
}

export function openCoco(params: CocoParams, options: OpenOptions): DatasetSource {
  const io = requireIO(options.io, 'coco');
  if (!params.annotations) throw new DatasetError("set annotations to a COCO instances JSON file (dataset 'coco')", 'annotations');
  const categories = params.categories.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const separateVal = options.split === 'val' && params.valAnnotations !== '';
  const file = separateVal ? params.valAnnotations : params.annotations;
  const folder = (separateVal ? params.valImages : params.images) || io.dirname(file);
  const index = readCocoIndex(io, file, folder, categories);
  let images = index.images;
  if (!params.valAnnotations) {
    const held = Math.round(images.length * params.valFraction);
    images = options.split === 'val' ? images.slice(images.length - held) : images.slice(0, images.length - held);
  }
  if (images.length === 0) {
    throw new DatasetError(`leaves no images for the ${options.split} split; add images or change valFraction`, file);
  }
  const cache = new Map<number, Sample>();
  return {
    size: images.length,
    classNames: index.classNames,
    sample(i: number): Sample {
      if (!Number.isInteger(i) || i < 0 || i >= images.length) {
        throw new DatasetError(`sample index ${i} is out of range for the ${options.split} split (0..${images.length - 1})`, file);
      }
      const hit = cache.get(i);
      if (hit) return hit;
      const sample = imageSample(io, images[i], params);
      if (cache.size >= 512) cache.delete(cache.keys().next().value!);
      cache.set(i, sample);
      return sample;
    },
  };
}

export const cocoDataset = defineDataset({
  type: 'coco',
  title: 'COCO instances (files)',
  doc:
    'Instance annotations in COCO format with their images in a folder: per image up to K objects with boxes (x1, y1, ' +
    'x2, y2 pixels), classes (1…C in the order of categories, 0 = padding) and masks from polygons or run-length ' +
    'encodings (compressed or not); also a semantic class map and objectCount. Crowd annotations are skipped. Images ' +
    'are scaled to imageSize (padded or stretched) with their annotations. The file is checked on opening: malformed ' +
    'entries, missing images and categories outside the graph\'s classes are reported with the file and entry.',
  params: cocoParams,
  fields: cocoFields,
  open: openCoco,
});
