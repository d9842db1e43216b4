/** safetensors encoding and the PyTorch layout mapping, without Python. */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors } from '../../../core/export/safetensors';
import { permuteValues, unpermuteValues } from '../../../core/export/plan';

describe('safetensors', () => {
  it('round-trips every dtype with shapes, metadata and an 8-byte aligned header', () => {
    const bytes = encodeSafetensors(
      {
        'b.weight': { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1.5, -2, 0, -0, 3e-38, 65504]) },
        'a.count': { dtype: 'I64', shape: [], data: BigInt64Array.from([7n]) },
        ids: { dtype: 'I32', shape: [3], data: Int32Array.from([-1, 0, 255]) },
        wide: { dtype: 'F64', shape: [1], data: Float64Array.from([Math.PI]) },
      },
      { format: 'pt' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.slice(8, 8 + headerLength)).toString('utf8'));
    // The reference layout: data in name order, offsets relative to the end of the header.
    expect(header['a.count']).toEqual({ dtype: 'I64', shape: [], data_offsets: [0, 8] });
    expect(header['b.weight'].data_offsets).toEqual([8, 32]);
    const { tensors, metadata } = decodeSafetensors(Buffer.from(bytes));
    expect(metadata).toEqual({ format: 'pt' });
    expect([...(tensors['b.weight'].data as Float32Array)]).toEqual([1.5, -2, 0, -0, Math.fround(3e-38), 65504]);
    expect(Object.is((tensors['b.weight'].data as Float32Array)[3], -0)).toBe(true);
    expect(tensors['a.count']).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.from([7n]) });
    expect([...(tensors.ids.data as Int32Array)]).toEqual([-1, 0, 255]);
    expect((tensors.wide.data as Float64Array)[0]).toBe(Math.PI);
  });

  it('names what is wrong with a broken file or tensor', () => {
    expect(() => decodeSafetensors(new Uint8Array(4), 'x.safetensors')).toThrow(/x\.safetensors is 4 bytes/);
    const bogus = new Uint8Array(16);
    new DataView(bogus.buffer).setBigUint64(0, 1000n, true);
    expect(() => decodeSafetensors(bogus, 'y.safetensors')).toThrow(/header length 1000 exceeds the file/);
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/'w' has 2 values but shape \[3\] needs 3/);
    expect(() => encodeSafetensors({ w: { dtype: 'I64', shape: [1], data: new Float32Array(1) } })).toThrow(/declared I64 but holds a Float32Array/);
  });
});

describe('PyTorch layouts', () => {
  it('conv kernels H×W×in×out become out×in×H×W and back', () => {
    const shape = [2, 3, 4, 5];
    const values = Float32Array.from({ length: 120 }, (_, i) => i);
    const torch = permuteValues(values, shape, [3, 2, 0, 1]);
    expect(torch.shape).toEqual([5, 4, 2, 3]);
    // torch[o][i][h][w] = ours[h][w][i][o]
    const at = (o: number, i: number, h: number, w: number) => torch.values[((o * 4 + i) * 2 + h) * 3 + w];
    expect(at(1, 2, 1, 0)).toBe(values[((1 * 3 + 0) * 4 + 2) * 5 + 1]);
    expect(at(4, 3, 0, 2)).toBe(values[((0 * 3 + 2) * 4 + 3) * 5 + 4]);
    expect([...unpermuteValues(torch.values, shape, [3, 2, 0, 1])]).toEqual([...values]);
  });

  it('dense in×out becomes linear out×in', () => {
    const torch = permuteValues(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3], [1, 0]);
    expect(torch.shape).toEqual([3, 2]);
    expect([...torch.values]).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
