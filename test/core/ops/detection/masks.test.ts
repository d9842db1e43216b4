import { describe, expect, it } from 'vitest';
import { compressRleCounts } from './rle-string';
import { cropAndResizeMask, decodeRle, decodeRleString, encodeRle, pasteMask, rasterizePolygons, resizeMaskNearest } from '../../../../core/ops/detection/masks';


const picture = (mask: ArrayLike<number>, width: number) =>
  Array.from({ length: mask.length / width }, (_, r) => Array.from(mask).slice(r * width, (r + 1) * width).join(''));

describe('masks', () => {
  it('rasterizes a polygon at pixel centres', () => {
    // Square from (1, 1) to (4, 3): pixel centres 1.5..3.5 × 1.5..2.5.
    const mask = rasterizePolygons([[1, 1, 4, 1, 4, 3, 1, 3]], 4, 5);
    expect(picture(mask, 5)).toEqual(['00000', '01110', '01110', '00000']);
    // A triangle: fewer pixels per row towards the apex.
    const tri = rasterizePolygons([[0, 0, 6, 0, 0, 6]], 6, 6);
    expect(picture(tri, 6)).toEqual(['111110', '111100', '111000', '110000', '100000', '000000']);
  });

  it('decodes uncompressed and compressed RLE (column-major, background first)', () => {
    const mask = rasterizePolygons([[1, 1, 4, 1, 4, 3, 1, 3]], 4, 5);
    const rle = encodeRle(mask, 4, 5);
    expect(rle.counts).toEqual([5, 2, 2, 2, 2, 2, 5]);
    expect(Array.from(decodeRle(rle))).toEqual(Array.from(mask));
    const text = compressRleCounts(rle.counts as number[]);
    expect(decodeRleString(text)).toEqual(rle.counts);
    expect(Array.from(decodeRle({ size: [4, 5], counts: text }))).toEqual(Array.from(mask));
    // Large runs and negative deltas exercise the multi-group and sign paths.
    const counts = [1000, 3, 40, 700, 2, 90000];
    expect(decodeRleString(compressRleCounts(counts))).toEqual(counts);
    expect(() => decodeRle({ size: [2, 2], counts: [3, 3] })).toThrow(/more than the 2×2 mask/);
  });

  it('crops a ground-truth mask into a box (crop_and_resize) and pastes it back', () => {
    const mask = rasterizePolygons([[8, 8, 24, 8, 24, 20, 8, 20]], 32, 32);
    const crop = cropAndResizeMask(mask, 32, 32, [8, 8, 24, 20], 7);
    expect(Array.from(crop).every((v) => v === 1)).toBe(true);
    // A box twice the object's width: the left half holds it.
    const wide = cropAndResizeMask(mask, 32, 32, [8, 8, 40, 20], 8);
    expect(picture(wide, 8)[3]).toBe('11110000');
    const pasted = pasteMask(new Float32Array(28 * 28).fill(1), 28, [8, 8, 24, 20], 32, 32);
    expect(Array.from(pasted)).toEqual(Array.from(mask));
    expect(Array.from(pasteMask(new Float32Array(28 * 28).fill(0.2), 28, [8, 8, 24, 20], 32, 32)).some((v) => v)).toBe(false);
  });

  it('resizes a mask with nearest neighbours', () => {
    expect(Array.from(resizeMaskNearest([1, 0, 0, 1], 2, 2, 4, 4))).toEqual([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1]);
  });
});
