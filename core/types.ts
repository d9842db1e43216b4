/**
 * Port kinds, value types and symbolic shapes: the vocabulary shared by the
 * graph format, shape inference, the compiler and the editor.
 *
 * Shapes are symbolic in the batch dimension ('N') and in RoI counts ('R'),
 * concrete elsewhere, so a graph can be checked without knowing the batch size.
 */

/** A dimension: a concrete size, or a symbol such as 'N' (batch) or 'R' (RoIs). */
export type Dim = number | string;
export type Shape = readonly Dim[];

export const BATCH: Dim = 'N';

/**
 * What flows along a wire. Kinds are coarser than shapes: they decide whether
 * a wire makes sense at all (a loss cannot feed a convolution), while shapes
 * decide whether the sizes agree.
 */
export const PORT_KINDS = {
  tensor: { title: 'Tensor', doc: 'Any dense tensor.', color: '#9aa5b1' },
  image: { title: 'Image / feature map', doc: 'N×H×W×C, channels last.', color: '#4f8cff' },
  vector: { title: 'Vector', doc: 'N×D features, e.g. after flatten or dense.', color: '#37c2b4' },
  labels: { title: 'Labels', doc: 'Integer class ids, N or N×H×W (semantic maps).', color: '#e6a23c' },
  mask: { title: 'Mask', doc: 'N×H×W×K probabilities or logits per pixel.', color: '#c678dd' },
  heatmap: { title: 'Heatmap', doc: 'N×H×W×K keypoint or centre heatmaps.', color: '#ff6b6b' },
  pyramid: { title: 'Feature pyramid', doc: 'Feature maps at several strides, keyed by level (P2…P6).', color: '#2d6cdf' },
  boxes: { title: 'Boxes', doc: 'N×K×4 boxes (x1, y1, x2, y2) in input pixels, padded per image.', color: '#f2c94c' },
  rois: { title: 'RoIs', doc: 'R×5 regions (batch index, x1, y1, x2, y2); R varies per step.', color: '#f2994a' },
  keypoints: { title: 'Keypoints', doc: 'N×K×P×3 points (x, y, visible) per instance.', color: '#eb5757' },
  target: { title: 'Dataset targets', doc: 'Structured ground truth for heads that assign targets themselves.', color: '#828282' },
  loss: { title: 'Loss', doc: 'A scalar to minimise; training sums weighted losses.', color: '#27ae60' },
} as const;

export type PortKind = keyof typeof PORT_KINDS;
export type DType = 'float32' | 'int32' | 'bool';

/** The inferred type of one value on a port. */
export interface ValueType {
  kind: PortKind;
  /** Shape of a dense value; absent for structured kinds (pyramid, target). */
  shape?: Shape;
  dtype?: DType;
  /** For pyramids: each level's shape, keyed 'P2'…'P7'. */
  levels?: Record<string, Shape>;
  /** For dataset targets: each field's type. */
  fields?: Record<string, ValueType>;
}

/** Kinds that are dense tensors and therefore acceptable where a port asks for 'tensor'. */
const DENSE_KINDS: ReadonlySet<PortKind> = new Set<PortKind>([
  'tensor', 'image', 'vector', 'labels', 'mask', 'heatmap', 'boxes', 'rois', 'keypoints', 'loss',
]);

export function isDenseKind(kind: PortKind): boolean {
  return DENSE_KINDS.has(kind);
}

/**
 * Maps that share the N×H×W×C layout are interchangeable on purpose: a mask or
 * heatmap can be concatenated with features or fed to a convolution, which is
 * exactly what hourglass stacks and conditional discriminators do.
 */
const SPATIAL_KINDS: ReadonlySet<PortKind> = new Set<PortKind>(['image', 'mask', 'heatmap']);

export function kindAccepts(accepted: readonly PortKind[], given: PortKind): boolean {
  if (accepted.includes(given)) return true;
  if (accepted.includes('tensor') && isDenseKind(given)) return true;
  if (SPATIAL_KINDS.has(given) && accepted.some((k) => SPATIAL_KINDS.has(k))) return true;
  return false;
}

export function describeKinds(kinds: readonly PortKind[]): string {
  return kinds.map((k) => PORT_KINDS[k].title.toLowerCase()).join(' or ');
}

export function formatShape(shape: Shape | undefined): string {
  if (!shape) return '?';
  if (shape.length === 0) return 'scalar';
  return shape.join('×');
}

export function formatValueType(t: ValueType | undefined): string {
  if (!t) return '?';
  if (t.kind === 'pyramid' && t.levels) {
    return Object.entries(t.levels)
      .map(([level, s]) => `${level} ${formatShape(s)}`)
      .join(', ');
  }
  if (t.kind === 'target') return 'targets';
  return formatShape(t.shape);
}

/** Number of elements of a shape with every symbol taken as `symbolSize` (1 gives per-sample counts). */
export function shapeSize(shape: Shape, symbolSize = 1): number {
  let size = 1;
  for (const d of shape) size *= typeof d === 'number' ? d : symbolSize;
  return size;
}

/** Replaces symbolic dims by concrete sizes, e.g. { N: 4 }. */
export function concreteShape(shape: Shape, sizes: Record<string, number>): number[] {
  return shape.map((d) => {
    if (typeof d === 'number') return d;
    const size = sizes[d];
    if (size === undefined) throw new Error(`no size given for symbolic dimension '${d}'`);
    return size;
  });
}

/** True when two dims may be equal (a symbol matches the same symbol or any size). */
export function dimsCompatible(a: Dim, b: Dim): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return true;
}
