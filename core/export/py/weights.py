"""safetensors read and write with torch alone (no `safetensors` package needed).

The format: an 8-byte little-endian header length, a JSON header mapping each name to
{dtype, shape, data_offsets}, then the raw little-endian bytes.
"""
import json
import struct

import torch

_DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32, 'I64': torch.int64}
_NAMES = {v: k for k, v in _DTYPES.items()}


def load_safetensors(path):
    """name -> tensor (on the CPU) of a safetensors file."""
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length].decode('utf8'))
    start = 8 + length
    out = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        if entry['dtype'] not in _DTYPES:
            raise ValueError(f"{path}: tensor '{name}' has dtype {entry['dtype']}; only F32, F64, I32 and I64 are read")
        begin, end = entry['data_offsets']
        raw = bytearray(data[start + begin:start + end])
        tensor = torch.frombuffer(raw, dtype=_DTYPES[entry['dtype']]) if raw else torch.empty(0, dtype=_DTYPES[entry['dtype']])
        out[name] = tensor.reshape(entry['shape']).clone()
    return out


def save_safetensors(tensors, path, metadata=None):
    """Writes name -> tensor as safetensors, names in sorted order (the same file for the same tensors)."""
    header = {}
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype not in _NAMES:
            raise ValueError(f"tensor '{name}' is {t.dtype}; convert it to float32, float64, int32 or int64 first")
        blob = t.numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': _NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(',', ':'))
    text += ' ' * ((8 - len(text.encode('utf8')) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text.encode('utf8'))))
        f.write(text.encode('utf8'))
        for blob in blobs:
            f.write(blob)
