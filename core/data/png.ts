/**
 * A minimal PNG writer (8-bit RGBA, no interlacing) so previews, dataset
 * samples and generated images can be saved and shown without an image
 * library. Rows use the "Up" filter, which costs nothing to compute and lets
 * zlib compress flat regions and smooth gradients well.
 */
import { deflateSync } from 'node:zlib';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const FILTER_UP = 2;

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG (and zip) define it. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  // The CRC covers the chunk type and data, not the length.
  out.writeUInt32BE(crc32(out, 4, 8 + data.length), 8 + data.length);
  return out;
}

/** Encodes row-major RGBA bytes (4 per pixel, top row first) as a PNG file. */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`encodePng: width and height must be positive whole numbers, got ${width}×${height}`);
  }
  const stride = width * 4;
  if (rgba.length !== stride * height) {
    throw new Error(`encodePng: expected ${stride * height} bytes for ${width}×${height} RGBA, got ${rgba.length}`);
  }

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 6; // colour type: RGBA
  // Bytes 10–12 stay 0: deflate compression, adaptive filtering, no interlace.

  const filtered = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * stride;
    const outRow = y * (stride + 1);
    filtered[outRow] = FILTER_UP;
    if (y === 0) {
      filtered.set(rgba.subarray(0, stride), outRow + 1);
    } else {
      for (let x = 0; x < stride; x++) filtered[outRow + 1 + x] = (rgba[row + x] - rgba[row - stride + x]) & 0xff;
    }
  }

  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(filtered, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/**
 * Converts a channels-last float image (1 or 3 channels, values in [lo, hi])
 * to opaque RGBA bytes for `encodePng`; values outside the range are clipped.
 */
export function floatImageToRgba(
  data: Float32Array,
  width: number,
  height: number,
  channels: 1 | 3,
  range: readonly [number, number] = [0, 1],
): Uint8Array {
  if (data.length !== width * height * channels) {
    throw new Error(`floatImageToRgba: expected ${width * height * channels} values for ${width}×${height}×${channels}, got ${data.length}`);
  }
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  const out = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) {
      const v = (data[p * channels + (channels === 3 ? c : 0)] - lo) * scale;
      out[p * 4 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
    }
    out[p * 4 + 3] = 255;
  }
  return out;
}
