/**
 * Scene generation and exact rasterisation for the synthetic shapes dataset.
 *
 * A pixel belongs to a shape when its centre (col + 0.5, row + 0.5) lies
 * inside the shape, boundary included. Shapes are rasterised as one span of
 * columns per row (every shape here is convex), so no per-pixel closures run
 * and masks, semantic maps, boxes and edges all derive from one instance-id
 * map and agree exactly.
 */
import type { Rng } from '../rng';

export const SHAPE_CLASS_NAMES = ['circle', 'square', 'triangle'] as const;
export const CIRCLE = 1;
export const SQUARE = 2;
export const TRIANGLE = 3;

/** Keypoints per object; every class has exactly this many (see `shapeKeypoints`). */
export const KEYPOINTS_PER_SHAPE = 4;

export interface SceneOptions {
  imageSize: number;
  minObjects: number;
  maxObjects: number;
  /** Shape extents (diameter of the circumscribed circle) as fractions of the image side. */
  minSize: number;
  maxSize: number;
  background: 'textured' | 'flat';
}

export interface PlacedShape {
  /** 1 circle, 2 square, 3 triangle (0 is background in semantic maps). */
  classId: number;
  cx: number;
  cy: number;
  /** Circumradius in pixels: every class fits the same disc, so size does not give the class away. */
  radius: number;
  /** Polygon corners as x0, y0, x1, y1, … in increasing screen angle (clockwise with y down); empty for circles. */
  vertices: number[];
  /** Fill colour, RGB in 0..1. */
  color: [number, number, number];
}

export interface Scene {
  size: number;
  /** Per pixel, row-major: 0 for background, else 1 + the index of the topmost shape there. */
  instanceIds: Int32Array;
  /** Background RGB per pixel in 0..1, row-major, channels last. */
  background: Float32Array;
  /** In drawing order: later shapes occlude earlier ones. */
  shapes: PlacedShape[];
  /** Visible pixels per shape after occlusion. */
  visibleArea: number[];
}

/** Bright, saturated colours shared by all classes, so colour carries no class information. */
const PALETTE: readonly [number, number, number][] = [
  [0.95, 0.26, 0.21], [1.0, 0.6, 0.0], [1.0, 0.92, 0.23], [0.55, 0.9, 0.2],
  [0.2, 0.8, 0.35], [0.1, 0.85, 0.75], [0.25, 0.85, 1.0], [0.3, 0.5, 1.0],
  [0.6, 0.35, 1.0], [0.95, 0.3, 0.85], [1.0, 0.6, 0.7], [0.96, 0.96, 0.96],
];

/** Tries per object before it is dropped, when the image is too crowded to place it. */
const PLACEMENT_TRIES = 30;
/** An earlier shape must keep at least this share of its pixels visible, so every object stays recognisable. */
const MIN_VISIBLE_FRACTION = 0.5;
/** Shapes smaller than this many pixels are redrawn: they would be a few indistinct dots. */
const MIN_PIXELS = 4;

/** One inclusive column span [x0[r], x1[r]] per row from row0; empty rows have x0 > x1. */
interface Spans {
  row0: number;
  x0: Int32Array;
  x1: Int32Array;
  area: number;
}

/** Inside test with the same boundary rule as the rasteriser, for keypoint occlusion. */
export function insideShape(shape: PlacedShape, x: number, y: number): boolean {
  if (shape.classId === CIRCLE) {
    const dx = x - shape.cx;
    const dy = y - shape.cy;
    return dx * dx + dy * dy <= shape.radius * shape.radius;
  }
  const v = shape.vertices;
  const n = v.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    // Vertices run clockwise on screen (y down), so the interior is where this cross product is ≥ 0.
    const cross = (v[2 * j] - v[2 * i]) * (y - v[2 * i + 1]) - (v[2 * j + 1] - v[2 * i + 1]) * (x - v[2 * i]);
    if (cross < 0) return false;
  }
  return true;
}

function rasterise(shape: PlacedShape, size: number): Spans {
  const row0 = Math.max(0, Math.floor(shape.cy - shape.radius - 0.5));
  const row1 = Math.min(size - 1, Math.ceil(shape.cy + shape.radius - 0.5));
  const rows = Math.max(0, row1 - row0 + 1);
  const x0 = new Int32Array(rows);
  const x1 = new Int32Array(rows);
  let area = 0;
  const v = shape.vertices;
  const n = v.length / 2;
  for (let r = 0; r < rows; r++) {
    const y = row0 + r + 0.5;
    let lo = -Infinity;
    let hi = Infinity;
    if (shape.classId === CIRCLE) {
      const dy = y - shape.cy;
      const h2 = shape.radius * shape.radius - dy * dy;
      if (h2 >= 0) {
        const h = Math.sqrt(h2);
        lo = shape.cx - h;
        hi = shape.cx + h;
      } else {
        lo = Infinity;
      }
    } else {
      // Each edge is a half-plane a·x + b ≥ 0 at this row; intersecting them gives the span.
      for (let i = 0; i < n && lo <= hi; i++) {
        const j = (i + 1) % n;
        const ex = v[2 * j] - v[2 * i];
        const ey = v[2 * j + 1] - v[2 * i + 1];
        const a = -ey;
        const b = ex * (y - v[2 * i + 1]) + ey * v[2 * i];
        if (a > 0) lo = Math.max(lo, -b / a);
        else if (a < 0) hi = Math.min(hi, -b / a);
        else if (b < 0) lo = Infinity;
      }
    }
    // Pixel centre col + 0.5 within [lo, hi].
    const c0 = Math.max(0, Math.ceil(lo - 0.5));
    const c1 = Math.min(size - 1, Math.floor(hi - 0.5));
    if (c1 >= c0) {
      x0[r] = c0;
      x1[r] = c1;
      area += c1 - c0 + 1;
    } else {
      // Typed arrays would store ±Infinity as 0, so empty rows get an explicit empty span.
      x0[r] = 1;
      x1[r] = 0;
    }
  }
  return { row0, x0, x1, area };
}

function regularPolygon(cx: number, cy: number, radius: number, sides: number, rotation: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < sides; k++) {
    const angle = rotation + (2 * Math.PI * k) / sides;
    out.push(cx + radius * Math.cos(angle), cy + radius * Math.sin(angle));
  }
  return out;
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** Dark, muted colours, so the bright palette always stands out from the background. */
function backgroundColor(rng: Rng): [number, number, number] {
  return hsvToRgb(rng.next(), rng.uniform(0, 0.4), rng.uniform(0.08, 0.45));
}

function smoothstep(t: number): number {
  return t * t * (3 - 2 * t);
}

/**
 * Textured backgrounds blend two colours by smooth value noise, by stripes
 * at a random angle, or by both, so a model cannot find objects by looking
 * for any non-flat region.
 */
function renderBackground(rng: Rng, size: number, textured: boolean): Float32Array {
  const out = new Float32Array(size * size * 3);
  const a = backgroundColor(rng);
  if (!textured) {
    for (let p = 0; p < size * size; p++) out.set(a, p * 3);
    return out;
  }
  const b = backgroundColor(rng);
  const style = rng.int(3); // 0 noise, 1 stripes, 2 both
  const grid = 2 + rng.int(5);
  const lattice = new Float32Array((grid + 1) * (grid + 1));
  rng.fillUniform(lattice, 0, 1);
  const angle = rng.uniform(0, Math.PI);
  const frequency = rng.uniform(1.5, 6) * 2 * Math.PI / size;
  const phase = rng.uniform(0, 2 * Math.PI);
  const fx = Math.cos(angle) * frequency;
  const fy = Math.sin(angle) * frequency;
  const cell = grid / size;
  const t = new Float32Array(size * size);
  for (let row = 0; row < size; row++) {
    const gy = (row + 0.5) * cell;
    const iy = Math.min(grid - 1, Math.floor(gy));
    const wy = smoothstep(gy - iy);
    for (let col = 0; col < size; col++) {
      let noise = 0;
      if (style !== 1) {
        const gx = (col + 0.5) * cell;
        const ix = Math.min(grid - 1, Math.floor(gx));
        const wx = smoothstep(gx - ix);
        const k = iy * (grid + 1) + ix;
        const top = lattice[k] + (lattice[k + 1] - lattice[k]) * wx;
        const bottom = lattice[k + grid + 1] + (lattice[k + grid + 2] - lattice[k + grid + 1]) * wx;
        noise = top + (bottom - top) * wy;
      }
      const stripes = style !== 0 ? 0.5 + 0.5 * Math.sin(fx * col + fy * row + phase) : 0;
      t[row * size + col] = style === 0 ? noise : style === 1 ? stripes : 0.5 * (noise + stripes);
    }
  }
  for (let p = 0; p < size * size; p++) {
    const w = t[p];
    out[p * 3] = a[0] + (b[0] - a[0]) * w;
    out[p * 3 + 1] = a[1] + (b[1] - a[1]) * w;
    out[p * 3 + 2] = a[2] + (b[2] - a[2]) * w;
  }
  return out;
}

function drawShape(rng: Rng, options: SceneOptions, color: [number, number, number]): PlacedShape {
  const size = options.imageSize;
  const classId = 1 + rng.int(3);
  const radius = (rng.uniform(options.minSize, options.maxSize) * size) / 2;
  // Whole shapes stay inside the image, so every keypoint lies within it.
  const cx = rng.uniform(radius, size - radius);
  const cy = rng.uniform(radius, size - radius);
  const rotation = rng.uniform(0, 2 * Math.PI);
  const vertices =
    classId === SQUARE ? regularPolygon(cx, cy, radius, 4, rotation)
    : classId === TRIANGLE ? regularPolygon(cx, cy, radius, 3, rotation)
    : [];
  return { classId, cx, cy, radius, vertices, color };
}

/**
 * Draws one scene. Every draw comes from `rng` in a fixed order, so the scene
 * is a pure function of the generator's state.
 */
export function generateScene(rng: Rng, options: SceneOptions): Scene {
  const size = options.imageSize;
  const background = renderBackground(rng, size, options.background === 'textured');
  const target = options.minObjects + rng.int(options.maxObjects - options.minObjects + 1);
  const colorOrder = rng.shuffle(PALETTE.map((_, i) => i));

  const instanceIds = new Int32Array(size * size);
  const shapes: PlacedShape[] = [];
  const fullArea: number[] = [];
  const visibleArea: number[] = [];
  const lost = new Int32Array(options.maxObjects);

  for (let k = 0; k < target; k++) {
    const base = PALETTE[colorOrder[k % PALETTE.length]];
    const shade = rng.uniform(0.8, 1);
    const color: [number, number, number] = [base[0] * shade, base[1] * shade, base[2] * shade];
    for (let attempt = 0; attempt < PLACEMENT_TRIES; attempt++) {
      const shape = drawShape(rng, options, color);
      const spans = rasterise(shape, size);
      if (spans.area < MIN_PIXELS) continue;

      lost.fill(0);
      for (let r = 0; r < spans.x0.length; r++) {
        const rowStart = (spans.row0 + r) * size;
        for (let col = spans.x0[r]; col <= spans.x1[r]; col++) {
          const id = instanceIds[rowStart + col];
          if (id > 0) lost[id - 1]++;
        }
      }
      let keepsOthersVisible = true;
      for (let j = 0; j < shapes.length; j++) {
        if (visibleArea[j] - lost[j] < MIN_VISIBLE_FRACTION * fullArea[j]) keepsOthersVisible = false;
      }
      if (!keepsOthersVisible) continue;

      const id = shapes.length + 1;
      for (let r = 0; r < spans.x0.length; r++) {
        const rowStart = (spans.row0 + r) * size;
        if (spans.x1[r] >= spans.x0[r]) instanceIds.fill(id, rowStart + spans.x0[r], rowStart + spans.x1[r] + 1);
      }
      for (let j = 0; j < shapes.length; j++) visibleArea[j] -= lost[j];
      shapes.push(shape);
      fullArea.push(spans.area);
      visibleArea.push(spans.area);
      break;
    }
  }
  return { size, instanceIds, background, shapes, visibleArea };
}

/**
 * Four keypoints per shape, in a canonical order a model can learn:
 * - square: the four corners, clockwise on screen from the topmost one;
 * - triangle: the three corners, clockwise from the topmost, then the centroid;
 * - circle: the rim points at the top, lower right (30° below horizontal) and
 *   lower left, then the centre — a circle has no orientation of its own, so
 *   its points are fixed in the image frame, matching the triangle's layout.
 * Returned as x0, y0, x1, y1, … in pixels.
 */
export function shapeKeypoints(shape: PlacedShape): number[] {
  if (shape.classId === CIRCLE) {
    const points: number[] = [];
    for (const degrees of [-90, 30, 150]) {
      const angle = (degrees * Math.PI) / 180;
      points.push(shape.cx + shape.radius * Math.cos(angle), shape.cy + shape.radius * Math.sin(angle));
    }
    points.push(shape.cx, shape.cy);
    return points;
  }
  const v = shape.vertices;
  const n = v.length / 2;
  let top = 0;
  for (let i = 1; i < n; i++) {
    if (v[2 * i + 1] < v[2 * top + 1] || (v[2 * i + 1] === v[2 * top + 1] && v[2 * i] < v[2 * top])) top = i;
  }
  const points: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = (top + k) % n;
    points.push(v[2 * i], v[2 * i + 1]);
  }
  if (shape.classId === TRIANGLE) points.push(shape.cx, shape.cy);
  return points;
}
