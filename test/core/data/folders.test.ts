/**
 * Users' image folders in pix2pix (A|B side by side) and CycleGAN (trainA/,
 * trainB/) formats: decoding and resizing with sharp, splits, direction,
 * flips, and errors that name the folder or file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../../core/data/batch';
import { DatasetError } from '../../../core/data/dataset-api';
import { tempDir } from '../train/helpers';
import { nodeIO } from '../../../core/node-io';

let root: string;

/** An RGB image whose left half is `left` and right half `right` (0..255 colours). */
async function writeImage(file: string, width: number, height: number, left: number[], right: number[] = left, format: 'png' | 'jpeg' = 'png') {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw.set(x < width / 2 ? left : right, (y * width + x) * 3);
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const image = sharp(raw, { raw: { width, height, channels: 3 } });
  await (format === 'png' ? image.png() : image.jpeg({ quality: 100 })).toFile(file);
}

/** Mean colour of an H×W×3 field in 0..255. */
function meanColour(data: Float32Array): number[] {
  const sum = [0, 0, 0];
  for (let i = 0; i < data.length; i++) sum[i % 3] += ((data[i] + 1) / 2) * 255;
  return sum.map((s) => Math.round(s / (data.length / 3)));
}

const RED = [220, 20, 20];
const BLUE = [20, 20, 220];
const GREEN = [20, 200, 20];

beforeAll(async () => {
  root = await tempDir('tw-folders-');
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('folder.pix2pix', () => {
  it('splits each A|B file in two, resizes both halves, and honours direction and splits', async () => {
    const dir = path.join(root, 'pairs');
    await writeImage(path.join(dir, 'train', '1.png'), 40, 20, RED, BLUE);
    await writeImage(path.join(dir, 'train', '2.jpg'), 64, 32, GREEN, RED, 'jpeg');
    await writeImage(path.join(dir, 'val', 'v.png'), 20, 10, BLUE, GREEN);
    const spec = (params: Record<string, unknown>) => ({ type: 'folder.pix2pix', params: { path: dir, imageSize: 8, flip: false, ...params } });
    const train = openDataset(spec({}), { seed: 0, split: 'train', io: nodeIO });
    expect(train.size).toBe(2);
    const first = train.sample(0);
    expect(first.A.shape).toEqual([8, 8, 3]);
    expect(first.B.shape).toEqual([8, 8, 3]);
    expect(meanColour(first.A.data as Float32Array)).toEqual(RED);
    expect(meanColour(first.B.data as Float32Array)).toEqual(BLUE);
    const jpeg = train.sample(1);
    meanColour(jpeg.A.data as Float32Array).forEach((v, i) => expect(Math.abs(v - GREEN[i])).toBeLessThanOrEqual(3));
    const reversed = openDataset(spec({ direction: 'BtoA' }), { seed: 0, split: 'train', io: nodeIO }).sample(0);
    expect(meanColour(reversed.A.data as Float32Array)).toEqual(BLUE);
    const val = openDataset(spec({}), { seed: 0, split: 'val', io: nodeIO });
    expect(val.size).toBe(1);
    expect(meanColour(val.sample(0).A.data as Float32Array)).toEqual(BLUE);
  });

  it('mirrors a training pair for about half the samples, A and B together, the same way every time', async () => {
    const dir = path.join(root, 'flips');
    // Each half is itself two-coloured, so a mirror shows.
    const raw = Buffer.alloc(16 * 8 * 3);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 16; x++) raw.set(x % 8 < 4 ? RED : BLUE, (y * 16 + x) * 3);
    for (let i = 0; i < 12; i++) {
      await fs.mkdir(path.join(dir, 'train'), { recursive: true });
      await sharp(raw, { raw: { width: 16, height: 8, channels: 3 } }).png().toFile(path.join(dir, 'train', `${String(i).padStart(2, '0')}.png`));
    }
    const spec = { type: 'folder.pix2pix', params: { path: dir, imageSize: 8 } };
    const source = openDataset(spec, { seed: 0, split: 'train', io: nodeIO });
    const again = openDataset(spec, { seed: 0, split: 'train', io: nodeIO });
    let flipped = 0;
    for (let i = 0; i < 12; i++) {
      const { A, B } = source.sample(i);
      const aMirrored = A.data[0] < 0; // the first pixel is blue when mirrored
      expect(B.data[0] < 0).toBe(aMirrored);
      expect(Array.from(again.sample(i).A.data)).toEqual(Array.from(A.data));
      if (aMirrored) flipped++;
    }
    expect(flipped).toBeGreaterThan(1);
    expect(flipped).toBeLessThan(11);
    const val = openDataset(spec, { seed: 0, split: 'val', io: nodeIO });
    for (let i = 0; i < 12; i++) expect(val.sample(i).A.data[0]).toBeGreaterThan(0);
  });

  it('reports a missing folder, an empty one, an unreadable file and an A|B file that cannot be halved, by name', async () => {
    const open = (dir: string) => () => openDataset({ type: 'folder.pix2pix', params: { path: dir, imageSize: 8 } }, { seed: 0, split: 'train', io: nodeIO });
    const missing = path.join(root, 'nothing-here');
    expect(open(missing)).toThrow(DatasetError);
    expect(open(missing)).toThrow(new RegExp(`${missing}: folder does not exist`));
    expect(() => openDataset({ type: 'folder.pix2pix', params: {} }, { seed: 0, split: 'train', io: nodeIO })).toThrow(/path: set path to the dataset folder/);

    const empty = path.join(root, 'empty');
    await fs.mkdir(path.join(empty, 'train'), { recursive: true });
    await fs.writeFile(path.join(empty, 'train', 'README.txt'), 'no images');
    expect(open(empty)).toThrow(new RegExp(`${path.join(empty, 'train')}: folder holds no images`));

    const broken = path.join(root, 'broken');
    await writeImage(path.join(broken, 'train', 'good.png'), 16, 8, RED, BLUE);
    await fs.writeFile(path.join(broken, 'train', 'bad.png'), 'this is not a png');
    expect(open(broken)).toThrow(new RegExp(`${path.join(broken, 'train', 'bad.png')}: cannot be read as an image`));

    const odd = path.join(root, 'odd');
    await writeImage(path.join(odd, 'train', 'odd.png'), 15, 8, RED, BLUE);
    expect(open(odd)).toThrow(new RegExp(`${path.join(odd, 'train', 'odd.png')}: is 15 pixels wide, which cannot be split into equal A and B halves`));
  });
});

describe('folder.cyclegan', () => {
  it('covers the larger domain per epoch, A in order and B drawn at random, with test folders for validation', async () => {
    const dir = path.join(root, 'unpaired');
    await writeImage(path.join(dir, 'trainA', 'a1.png'), 10, 12, RED);
    await writeImage(path.join(dir, 'trainA', 'a2.png'), 30, 20, GREEN);
    await writeImage(path.join(dir, 'trainA', 'a3.png'), 8, 8, BLUE);
    await writeImage(path.join(dir, 'trainB', 'b1.png'), 12, 12, GREEN);
    await writeImage(path.join(dir, 'trainB', 'b2.png'), 12, 12, BLUE);
    await writeImage(path.join(dir, 'testA', 't.png'), 12, 12, BLUE);
    await writeImage(path.join(dir, 'testB', 't.png'), 12, 12, RED);
    const spec = { type: 'folder.cyclegan', params: { path: dir, imageSize: 8, flip: false } };
    const train = openDataset(spec, { seed: 0, split: 'train', io: nodeIO });
    expect(train.size).toBe(3);
    expect([0, 1, 2].map((i) => meanColour(train.sample(i).A.data as Float32Array))).toEqual([RED, GREEN, BLUE]);
    for (let i = 0; i < 3; i++) {
      const b = meanColour(train.sample(i).B.data as Float32Array);
      expect([GREEN, BLUE].map(String)).toContain(String(b));
      expect(meanColour(openDataset(spec, { seed: 0, split: 'train', io: nodeIO }).sample(i).B.data as Float32Array)).toEqual(b);
    }
    const val = openDataset(spec, { seed: 0, split: 'val', io: nodeIO });
    expect(val.size).toBe(1);
    expect(meanColour(val.sample(0).A.data as Float32Array)).toEqual(BLUE);
    expect(meanColour(val.sample(0).B.data as Float32Array)).toEqual(RED);
  });

  it('names the domain folder that is missing', async () => {
    const dir = path.join(root, 'half');
    await writeImage(path.join(dir, 'trainA', 'a.png'), 8, 8, RED);
    expect(() => openDataset({ type: 'folder.cyclegan', params: { path: dir } }, { seed: 0, split: 'train', io: nodeIO })).toThrow(
      new RegExp(`${path.join(dir, 'trainB')}: folder does not exist or cannot be read`),
    );
  });
});
