import { describe, expect, it } from 'vitest';
import { crc32 as zlibCrc32, inflateSync } from 'node:zlib';
import { crc32, encodePng, floatImageToRgba } from '../../../core/data/png';

/** Parses a PNG into its chunks, checking each CRC with zlib's independent implementation. */
function readChunks(png: Buffer): { type: string; data: Buffer }[] {
  expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const chunks: { type: string; data: Buffer }[] = [];
  let at = 8;
  while (at < png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    expect(png.readUInt32BE(at + 8 + length), `CRC of ${type}`).toBe(zlibCrc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data });
    at += 12 + length;
  }
  return chunks;
}

/** Undoes PNG filters 0–4 as the spec defines them, for 4 bytes per pixel. */
function unfilter(raw: Buffer, width: number, height: number): Uint8Array {
  const stride = width * 4;
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x];
      const left = x >= 4 ? out[y * stride + x - 4] : 0;
      const up = y > 0 ? out[(y - 1) * stride + x] : 0;
      const upLeft = x >= 4 && y > 0 ? out[(y - 1) * stride + x - 4] : 0;
      const paeth = () => {
        const p = left + up - upLeft;
        const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
        return pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
      };
      const predictor = [0, left, up, (left + up) >> 1, paeth()][filter];
      out[y * stride + x] = (value + predictor) & 0xff;
    }
  }
  return out;
}

describe('encodePng', () => {
  it('round-trips RGBA pixels through a standard decoder path', () => {
    const width = 7;
    const height = 5;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 37 + (i >> 3) * 11) & 0xff;
    const chunks = readChunks(encodePng(rgba, width, height));
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const header = chunks[0].data;
    expect([header.readUInt32BE(0), header.readUInt32BE(4), header[8], header[9], header[10], header[11], header[12]]).toEqual([
      width, height, 8, 6, 0, 0, 0,
    ]);
    expect(unfilter(inflateSync(chunks[1].data), width, height)).toEqual(rgba);
  });

  it('computes the standard CRC-32', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('rejects a buffer that does not match the size', () => {
    expect(() => encodePng(new Uint8Array(10), 2, 2)).toThrow(/expected 16 bytes for 2×2 RGBA, got 10/);
    expect(() => encodePng(new Uint8Array(0), 0, 1)).toThrow(/positive whole numbers/);
  });
});

describe('floatImageToRgba', () => {
  it('maps the value range to 0..255, clips outliers and repeats a single channel as grey', () => {
    const rgb = floatImageToRgba(new Float32Array([-1, 0, 1, 2, -3, 0.5]), 2, 1, 3, [-1, 1]);
    expect(Array.from(rgb)).toEqual([0, 128, 255, 255, 255, 0, 191, 255]);
    const grey = floatImageToRgba(new Float32Array([0.25, 1]), 2, 1, 1);
    expect(Array.from(grey)).toEqual([64, 64, 64, 255, 255, 255, 255, 255]);
    expect(() => floatImageToRgba(new Float32Array(5), 2, 1, 3)).toThrow(/expected 6 values/);
  });
});
