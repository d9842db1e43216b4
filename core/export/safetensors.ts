/**
 * The safetensors format (huggingface/safetensors), read and written without
 * a package because it is tiny: an 8-byte little-endian header length, a JSON
 * header mapping each tensor name to {dtype, shape, data_offsets} (plus an
 * optional "__metadata__" of strings), then the raw little-endian bytes.
 * PyTorch state_dicts travel in it both ways (export --weights, import-weights).
 */

export type SafeDtype = 'F32' | 'F64' | 'I32' | 'I64';

export interface SafeTensor {
  dtype: SafeDtype;
  shape: number[];
  /** I64 values are carried as BigInt64Array; nothing here narrows them silently. */
  data: Float32Array | Float64Array | Int32Array | BigInt64Array;
}

export interface SafeFile {
  tensors: Record<string, SafeTensor>;
  metadata: Record<string, string>;
}

const BYTES: Record<SafeDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8 };

function expectedArray(dtype: SafeDtype): string {
  return { F32: 'Float32Array', F64: 'Float64Array', I32: 'Int32Array', I64: 'BigInt64Array' }[dtype];
}

/** Encodes tensors in name order (the file is deterministic for the same tensors). */
export function encodeSafetensors(tensors: Record<string, SafeTensor>, metadata: Record<string, string> = {}): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== size) throw new Error(`tensor '${name}' has ${t.data.length} values but shape [${t.shape}] needs ${size}`);
    if (t.data.constructor.name !== expectedArray(t.dtype)) {
      throw new Error(`tensor '${name}' is declared ${t.dtype} but holds a ${t.data.constructor.name}; use a ${expectedArray(t.dtype)}`);
    }
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // The reference implementation pads the header with spaces to a multiple of 8 so the data stays aligned.
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const data = tensors[name].data;
    // Typed arrays are in the platform's byte order; every platform Node runs on here is little-endian.
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** Decodes a safetensors file; `source` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors file'): SafeFile {
  if (bytes.length < 8) throw new Error(`${source} is ${bytes.length} bytes, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    throw new Error(`${source}: header length ${headerLength} exceeds the file (${bytes.length} bytes); is it a safetensors file?`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, headerLength).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${source}: the header is not JSON (${(error as Error).message}); is it a safetensors file?`, { cause: error });
  }
  const dataStart = 8 + headerLength;
  const tensors: Record<string, SafeTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!(dtype in BYTES)) {
      throw new Error(`${source}: tensor '${name}' has dtype ${dtype}; only F32, F64, I32 and I64 are read (convert it with tensor.float() before saving)`);
    }
    const d = dtype as SafeDtype;
    const [begin, end] = offsets;
    const size = shape.reduce((a, b) => a * b, 1);
    if (end - begin !== size * BYTES[d] || dataStart + end > bytes.length) {
      throw new Error(`${source}: tensor '${name}' spans bytes ${begin}–${end}, which does not fit shape [${shape}] of ${d} or the file`);
    }
    // Copy so the typed array is aligned and independent of the file buffer (Buffer.slice would share it, so not that).
    const raw = Uint8Array.prototype.slice.call(bytes, dataStart + begin, dataStart + end);
    const data =
      d === 'F32' ? new Float32Array(raw.buffer) : d === 'F64' ? new Float64Array(raw.buffer) : d === 'I32' ? new Int32Array(raw.buffer) : new BigInt64Array(raw.buffer);
    tensors[name] = { dtype: d, shape, data };
  }
  return { tensors, metadata };
}
