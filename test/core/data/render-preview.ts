/**
 * Writes a grid of shapes samples to a PNG for eyeballing the generator:
 *   npx tsx test/core/data/render-preview.ts [out.png] [imageSize] [count]
 * Each row is one sample: image; semantic map; edges; image with visible
 * boxes, instance mask outlines and keypoints (bright = visible, dark = occluded).
 */
import { writeFileSync } from 'node:fs';
import { encodePng, floatImageToRgba } from '../../../core/data/png';
// Not openDataset: batch.ts loads TensorFlow.js, which this script does not need.
import { shapesDataset } from '../../../core/data/shapes';
import { defaultParams } from '../../../core/params';

const out = process.argv[2] ?? '/tmp/shapes-preview.png';
const imageSize = Number(process.argv[3] ?? 64);
const count = Number(process.argv[4] ?? 6);
const scale = Math.max(1, Math.floor(256 / imageSize));
const columns = 4;
const gap = 4;
const tile = imageSize * scale;
const width = columns * tile + (columns + 1) * gap;
const height = count * tile + (count + 1) * gap;
const canvas = new Uint8Array(width * height * 4).fill(255);

const SEMANTIC_COLORS = [[0, 0, 0], [230, 80, 80], [80, 200, 90], [80, 130, 240]];
const KEYPOINT_COLORS = [[255, 0, 0], [0, 255, 0], [0, 128, 255], [255, 255, 0]];

function blit(rgba: Uint8Array, row: number, column: number): void {
  const top = gap + row * (tile + gap);
  const left = gap + column * (tile + gap);
  for (let y = 0; y < tile; y++) {
    for (let x = 0; x < tile; x++) {
      const src = (Math.floor(y / scale) * imageSize + Math.floor(x / scale)) * 4;
      canvas.set(rgba.subarray(src, src + 4), ((top + y) * width + left + x) * 4);
    }
  }
}

/** Sets a canvas pixel given tile-space coordinates in image pixels (already scaled). */
function plot(row: number, column: number, x: number, y: number, color: number[]): void {
  if (x < 0 || y < 0 || x >= tile || y >= tile) return;
  const top = gap + row * (tile + gap);
  const left = gap + column * (tile + gap);
  canvas.set([color[0], color[1], color[2], 255], ((top + Math.floor(y)) * width + left + Math.floor(x)) * 4);
}

const source = shapesDataset.open(
  { ...defaultParams(shapesDataset.params), imageSize, maxObjects: 4 },
  { seed: 1, split: 'train' },
);
for (let i = 0; i < count; i++) {
  const sample = source.sample(i);
  const image = floatImageToRgba(sample.image.data as Float32Array, imageSize, imageSize, 3);
  blit(image, i, 0);

  const semantic = new Uint8Array(imageSize * imageSize * 4);
  sample.semantic.data.forEach((c, p) => semantic.set([...SEMANTIC_COLORS[c], 255], p * 4));
  blit(semantic, i, 1);
  blit(floatImageToRgba(sample.edges.data as Float32Array, imageSize, imageSize, 1), i, 2);

  blit(image, i, 3);
  const K = sample.classes.shape[0];
  const boxes = sample.boxes.data;
  const masks = sample.masks.data;
  for (let k = 0; k < K; k++) {
    if (sample.classes.data[k] === 0) continue;
    // Mask outline in white, so it can be compared with the box and the shape.
    for (let y = 0; y < imageSize; y++) {
      for (let x = 0; x < imageSize; x++) {
        const m = (xx: number, yy: number) =>
          xx >= 0 && yy >= 0 && xx < imageSize && yy < imageSize ? masks[(yy * imageSize + xx) * K + k] : 0;
        if (m(x, y) && (!m(x - 1, y) || !m(x + 1, y) || !m(x, y - 1) || !m(x, y + 1))) {
          plot(i, 3, x * scale + scale / 2, y * scale + scale / 2, [255, 255, 255]);
        }
      }
    }
    const [x1, y1, x2, y2] = Array.from(boxes.subarray(k * 4, k * 4 + 4)).map((v) => v * scale);
    for (let x = x1; x < x2; x++) {
      plot(i, 3, x, y1, [255, 255, 0]);
      plot(i, 3, x, y2 - 1, [255, 255, 0]);
    }
    for (let y = y1; y < y2; y++) {
      plot(i, 3, x1, y, [255, 255, 0]);
      plot(i, 3, x2 - 1, y, [255, 255, 0]);
    }
    const kp = sample.keypoints.data;
    const P = sample.keypoints.shape[1];
    for (let j = 0; j < P; j++) {
      const base = (k * P + j) * 3;
      const color = KEYPOINT_COLORS[j].map((c) => (kp[base + 2] ? c : c / 3));
      for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) plot(i, 3, kp[base] * scale + dx, kp[base + 1] * scale + dy, color);
    }
  }
  console.log(
    `sample ${i}: classes [${Array.from(sample.classes.data).join(', ')}], count ${sample.count.data[0]}, ` +
      `boxes ${Array.from(boxes).map((v) => v.toFixed(0)).join(' ')}`,
  );
}
writeFileSync(out, encodePng(canvas, width, height));
console.log(`wrote ${out} (${width}×${height})`);
