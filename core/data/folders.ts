/**
 * Users' image folders in the formats of pytorch-CycleGAN-and-pix2pix:
 * - pix2pix ("aligned"): every file holds an A|B pair side by side;
 *   root/train/ for training, root/val/ (or test/) for validation;
 * - CycleGAN ("unaligned"): root/trainA/ and root/trainB/, validation from
 *   testA/ testB/ (or valA/ valB/).
 * Images are decoded and resized with sharp (libvips). Datasets are
 * synchronous (a sample is a function of its index), so decoding runs on a
 * worker thread that this thread waits for; decoded samples are cached.
 */
import type { NodeIO } from '../io';
import { defineDataset, DatasetError, requireIO, type DatasetSource, type OpenOptions, type Sample } from './dataset-api';
import { p, type ParamValues } from '../params';
import { Rng } from '../rng';
import type { ValueType } from '../types';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp', '.bmp', '.tif', '.tiff', '.gif', '.avif']);

// ---------------------------------------------------------------------------

/** Image files of a folder, sorted by name (the reference's make_dataset order). */
function listImages(io: NodeIO, folder: string, what: string): string[] {
  let entries: string[];
  try {
    if (!io.isDirectory(folder)) throw new DatasetError(`is not a folder; ${what}`, folder);
    entries = io.list(folder);
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    throw new DatasetError(`folder does not exist or cannot be read (${(error as Error).message}); ${what}`, folder);
  }
  const images = entries.filter((name) => IMAGE_EXTENSIONS.has(io.extname(name).toLowerCase())).sort();
  if (images.length === 0) {
    throw new DatasetError(`folder holds no images (${[...IMAGE_EXTENSIONS].join(', ')}); ${what}`, folder);
  }
  return images.map((name) => io.join(folder, name));
}

/** Reads every file's header once, so an unreadable or mismatched image is reported before training starts. */
function checkImages(io: NodeIO, files: string[], check?: (file: string, width: number, height: number) => string | null): void {
  const metas = io.decodeImages({ op: 'meta', files });
  metas.forEach((meta, i) => {
    if ('error' in meta) throw new DatasetError(`cannot be read as an image (${meta.error}); replace or remove the file`, files[i]);
    if ('width' in meta && check) {
      const why = check(files[i], meta.width, meta.height);
      if (why) throw new DatasetError(why, files[i]);
    }
  });
}

function firstExisting(io: NodeIO, candidates: string[]): string | undefined {
  return candidates.find((c) => io.exists(c));
}

/** Decoded samples by key, oldest dropped first: small datasets decode each file once. */
class DecodeCache {
  private readonly entries = new Map<string, Float32Array>();
  constructor(private readonly capacity: number) {}

  get(key: string, decode: () => Float32Array): Float32Array {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const value = decode();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

function decodeToSigned(io: NodeIO, file: string, size: number, crop?: 'left' | 'right'): Float32Array {
  const [result] = io.decodeImages({ op: 'decode', files: [file], width: size, height: size, crop, kernel: 'cubic' });
  if ('error' in result) throw new DatasetError(`cannot be decoded (${result.error}); replace or remove the file`, file);
  const bytes = (result as { data: Uint8Array }).data;
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = (bytes[i] / 255) * 2 - 1;
  return out;
}

/** Mirrors an H×W×3 image left to right (the reference's random flip), in place. */
function flipHorizontally(image: Float32Array, size: number): Float32Array {
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size / 2; col++) {
      const a = (row * size + col) * 3;
      const b = (row * size + size - 1 - col) * 3;
      for (let c = 0; c < 3; c++) {
        const t = image[a + c];
        image[a + c] = image[b + c];
        image[b + c] = t;
      }
    }
  }
  return image;
}

const commonParams = {
  path: p.string({ default: '', allowEmpty: true, doc: 'The dataset folder (its layout is described above).' }),
  imageSize: p.int({ default: 64, min: 8, max: 2048, doc: 'Images are resized (bicubic) to imageSize × imageSize.' }),
  flip: p.bool({ default: true, doc: 'Mirror training images left to right for half the samples (the reference\'s default augmentation).' }),
  cacheSize: p.int({ default: 2048, min: 0, max: 1_000_000, doc: 'Decoded samples kept in memory, so small datasets decode each file once.' }),
};

const imageField = (S: number): ValueType => ({ kind: 'image', shape: ['N', S, S, 3], dtype: 'float32' });

function requirePath(root: string, dataset: string): void {
  if (!root) throw new DatasetError(`set path to the dataset folder (dataset '${dataset}')`, 'path');
}

/** A per-sample coin from (seed, split, index), so a flip is part of what a sample is. */
function flipFor(rng: Rng, index: number, enabled: boolean): boolean {
  return enabled && rng.fork(index).next() < 0.5;
}

// ---------------------------------------------------------------------------

const pix2pixParams = {
  ...commonParams,
  direction: p.enum({ options: ['AtoB', 'BtoA'], default: 'AtoB', doc: "Which half is the input A: the left ('AtoB', the reference's default) or the right." }),
};

export type Pix2pixFolderParams = ParamValues<typeof pix2pixParams>;

export function openPix2pixFolder(params: Pix2pixFolderParams, options: OpenOptions): DatasetSource {
  const io = requireIO(options.io, 'folder.pix2pix');
  requirePath(params.path, 'folder.pix2pix');
  const root = params.path;
  if (!io.exists(root)) throw new DatasetError('folder does not exist; point path at a folder with train/ (and val/) of A|B images', root);
  const trainDir = firstExisting(io, [io.join(root, 'train')]) ?? root;
  // Validation falls back to the training images so a folder without val/ still trains (previews then show training pairs).
  const folder = options.split === 'train' ? trainDir : (firstExisting(io, [io.join(root, 'val'), io.join(root, 'test')]) ?? trainDir);
  const files = listImages(io, folder, 'pix2pix datasets hold A|B pairs side by side, one pair per image file');
  checkImages(io, files, (_, width) =>
    width % 2 !== 0 || width < 2
      ? `is ${width} pixels wide, which cannot be split into equal A and B halves: each file must be an A|B pair side by side`
      : null,
  );
  const S = params.imageSize;
  const cache = new DecodeCache(params.cacheSize);
  const flipRng = new Rng(options.seed).fork('folder-flip').fork(options.split);
  const [aSide, bSide]: ['left' | 'right', 'left' | 'right'] = params.direction === 'AtoB' ? ['left', 'right'] : ['right', 'left'];
  return {
    size: files.length,
    sample(index: number): Sample {
      if (!Number.isInteger(index) || index < 0 || index >= files.length) {
        throw new DatasetError(`sample index ${index} is out of range (0..${files.length - 1})`, folder);
      }
      const file = files[index];
      const flip = flipFor(flipRng, index, params.flip && options.split === 'train');
      const decode = (side: 'left' | 'right') => {
        const image = cache.get(`${file}:${side}`, () => decodeToSigned(io, file, S, side));
        return flip ? flipHorizontally(image.slice(), S) : image;
      };
      return {
        A: { data: decode(aSide), shape: [S, S, 3], dtype: 'float32' },
        B: { data: decode(bSide), shape: [S, S, 3], dtype: 'float32' },
      };
    },
  };
}

export const pix2pixFolderDataset = defineDataset({
  type: 'folder.pix2pix',
  title: 'Image pairs folder (pix2pix format)',
  doc:
    "Your own paired images in pix2pix's aligned format: each file is one A|B pair side by side (as the reference's " +
    'combine_A_and_B.py writes them), in path/train/ for training and path/val/ (or test/) for validation — without ' +
    'either, path itself is the training folder and validation reuses it. PNG, JPEG, WebP, TIFF, GIF or AVIF; each ' +
    'half is resized to imageSize × imageSize (bicubic) and scaled to −1..1; training pairs are mirrored for half the ' +
    'samples. Empty or missing folders, unreadable files and files whose width cannot be halved are reported by name.',
  params: pix2pixParams,
  fields: (params) => ({ A: imageField(params.imageSize), B: imageField(params.imageSize) }),
  open: openPix2pixFolder,
});

// ---------------------------------------------------------------------------

export type CycleganFolderParams = ParamValues<typeof commonParams>;

export function openCycleganFolder(params: CycleganFolderParams, options: OpenOptions): DatasetSource {
  const io = requireIO(options.io, 'folder.cyclegan');
  requirePath(params.path, 'folder.cyclegan');
  const root = params.path;
  if (!io.exists(root)) throw new DatasetError('folder does not exist; point path at a folder with trainA/ and trainB/', root);
  const domainFolder = (domain: 'A' | 'B') => {
    const train = io.join(root, `train${domain}`);
    if (options.split === 'train') return train;
    return firstExisting(io, [io.join(root, `test${domain}`), io.join(root, `val${domain}`)]) ?? train;
  };
  const folderA = domainFolder('A');
  const folderB = domainFolder('B');
  const hint = 'CycleGAN datasets hold domain A images in trainA/ and domain B images in trainB/ (testA/ and testB/ for validation)';
  const filesA = listImages(io, folderA, hint);
  const filesB = listImages(io, folderB, hint);
  checkImages(io, filesA);
  checkImages(io, filesB);
  const S = params.imageSize;
  const cache = new DecodeCache(params.cacheSize);
  const splitRng = new Rng(options.seed).fork('cyclegan-folder').fork(options.split);
  const pickB = splitRng.fork('pick-B');
  const flipA = splitRng.fork('flip-A');
  const flipB = splitRng.fork('flip-B');
  const augment = params.flip && options.split === 'train';
  // As the reference's UnalignedDataset: an epoch covers the larger domain, A in order, B drawn at random.
  const size = Math.max(filesA.length, filesB.length);
  return {
    size,
    sample(index: number): Sample {
      if (!Number.isInteger(index) || index < 0 || index >= size) throw new DatasetError(`sample index ${index} is out of range (0..${size - 1})`, root);
      const fileA = filesA[index % filesA.length];
      const fileB = filesB[pickB.fork(index).int(filesB.length)];
      const load = (file: string, flip: boolean) => {
        const image = cache.get(file, () => decodeToSigned(io, file, S));
        return flip ? flipHorizontally(image.slice(), S) : image;
      };
      return {
        A: { data: load(fileA, flipFor(flipA, index, augment)), shape: [S, S, 3], dtype: 'float32' },
        B: { data: load(fileB, flipFor(flipB, index, augment)), shape: [S, S, 3], dtype: 'float32' },
      };
    },
  };
}

export const cycleganFolderDataset = defineDataset({
  type: 'folder.cyclegan',
  title: 'Two image folders (CycleGAN format)',
  doc:
    "Your own unpaired images in CycleGAN's unaligned format: domain A in path/trainA/, domain B in path/trainB/, " +
    'validation from testA/ and testB/ (or valA/ and valB/; without them, the training folders). An epoch covers the ' +
    'larger domain: A in order, B drawn at random, as the reference does. Images are resized to imageSize × imageSize ' +
    '(bicubic), scaled to −1..1 and mirrored for half the training samples. Missing or empty folders and unreadable ' +
    'files are reported by name.',
  params: commonParams,
  fields: (params) => ({ A: imageField(params.imageSize), B: imageField(params.imageSize) }),
  open: openCycleganFolder,
});
