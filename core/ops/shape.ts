/**
 * Pure size arithmetic with PyTorch's formulas, shared by the ops (which
 * need concrete sizes) and by node shape rules (which must not touch tf).
 */
import { ShapeError } from '../node-api';
import type { Dim, Shape, ValueType } from '../types';
import { dimsCompatible, formatShape } from '../types';

export type Pair = number | readonly [number, number];

export function pair(value: Pair): [number, number] {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]];
}

/** nn.Conv2d / MaxPool2d / AvgPool2d output size: ⌊(size + 2p − d(k−1) − 1) / s⌋ + 1. */
export function convOutputSize(size: number, kernel: number, stride: number, padding: number, dilation = 1): number {
  return Math.floor((size + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/**
 * nn.MaxPool2d / AvgPool2d output size. Floor mode is convOutputSize; ceil
 * mode rounds up, but (PyTorch's rule) drops a last window that would start
 * past the input and its left padding, i.e. entirely in the right padding.
 */
export function poolOutputSize(size: number, kernel: number, stride: number, padding: number, ceilMode = false): number {
  if (!ceilMode) return convOutputSize(size, kernel, stride, padding);
  let out = Math.ceil((size + 2 * padding - kernel) / stride) + 1;
  if ((out - 1) * stride >= size + padding) out -= 1;
  return out;
}

/** nn.ConvTranspose2d output size: (size − 1)s − 2p + d(k−1) + outputPadding + 1. */
export function convTransposeOutputSize(
  size: number,
  kernel: number,
  stride: number,
  padding: number,
  outputPadding = 0,
  dilation = 1,
): number {
  return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + outputPadding + 1;
}

/** A kernel with d−1 zeros between taps covers d(k−1)+1 pixels. */
export function dilatedKernelSize(kernel: number, dilation: number): number {
  return dilation * (kernel - 1) + 1;
}

function describe(t: ValueType): string {
  if (!t.shape) return `a ${t.kind} value`;
  return `${formatShape(t.shape)} (rank ${t.shape.length})`;
}

/**
 * Checks that a port carries an N×H×W×C map with known H, W and C and
 * returns them.
 */
export function expectImage(t: ValueType, port: string): { n: Dim; h: number; w: number; c: number } {
  const shape = t.shape;
  if (!shape || shape.length !== 4) {
    const fix =
      shape && shape.length === 2
        ? ': this is a vector (N×D); use a reshape node to give it height, width and channels'
        : ': feed a feature map such as an image or a convolution output';
    throw new ShapeError(`input '${port}' must be an N×H×W×C feature map, got ${describe(t)}${fix}`, { port });
  }
  const [n, h, w, c] = shape;
  if (typeof h !== 'number' || typeof w !== 'number' || typeof c !== 'number') {
    throw new ShapeError(
      `input '${port}' has shape ${formatShape(shape)}: height, width and channels must be known sizes, only the batch may be symbolic`,
      { port },
    );
  }
  return { n, h, w, c };
}

/** Checks that a port carries an N×D vector and returns D. */
export function expectVector(t: ValueType, port: string): { n: Dim; d: number } {
  const shape = t.shape;
  if (!shape || shape.length !== 2) {
    const fix =
      shape && shape.length === 4
        ? ': this is a feature map (N×H×W×C); put a flatten node (or a global pooling) in front'
        : ': feed a vector such as a flatten or linear output';
    throw new ShapeError(`input '${port}' must be an N×D vector, got ${describe(t)}${fix}`, { port });
  }
  const [n, d] = shape;
  if (typeof d !== 'number') {
    throw new ShapeError(`input '${port}' has shape ${formatShape(shape)}: the feature size must be known`, { port });
  }
  return { n, d };
}

/** Dense shape of a port, or a ShapeError naming it. */
export function expectDense(t: ValueType, port: string): Shape {
  if (!t.shape) throw new ShapeError(`input '${port}' needs a dense tensor, got ${describe(t)}`, { port });
  return t.shape;
}

/** Where two shapes differ, as "dim 1 (32 vs 64), dim 3 (3 vs 1)", or null when they match. */
export function shapeDifference(a: Shape, b: Shape): string | null {
  if (a.length !== b.length) return `rank ${a.length} vs ${b.length}`;
  const diffs: string[] = [];
  for (let i = 0; i < a.length; i++) {
    if (!dimsCompatible(a[i], b[i])) diffs.push(`dim ${i} (${a[i]} vs ${b[i]})`);
  }
  return diffs.length > 0 ? diffs.join(', ') : null;
}
