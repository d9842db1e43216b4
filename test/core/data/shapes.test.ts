import { describe, expect, it } from 'vitest';
import { shapesDataset, SHAPE_CLASS_NAMES, KEYPOINTS_PER_SHAPE, type ShapesParams } from '../../../core/data/shapes';
import { generateScene, insideShape, CIRCLE, SQUARE, TRIANGLE } from '../../../core/data/shapes-render';
import { DatasetError, type Sample, type Split } from '../../../core/data/dataset-api';
import { defaultParams } from '../../../core/params';
import { Rng } from '../../../core/rng';

function params(overrides: Partial<ShapesParams> = {}): ShapesParams {
  return { ...defaultParams(shapesDataset.params), ...overrides };
}

function open(overrides: Partial<ShapesParams> = {}, seed = 7, split: Split = 'train') {
  return shapesDataset.open(params(overrides), { seed, split });
}

function sameData(a: Sample, b: Sample, name: string): boolean {
  const x = a[name].data;
  const y = b[name].data;
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe('shapes dataset: determinism and splits', () => {
  it('regenerates identical samples from (seed, split, index), whatever else was drawn', () => {
    const first = open();
    const second = open();
    second.sample(3); // drawing other samples first must not change sample 5
    const a = first.sample(5);
    const b = second.sample(5);
    for (const name of Object.keys(a)) expect(sameData(a, b, name), name).toBe(true);
  });

  it('gives different images for different indices, seeds and splits', () => {
    const train = open();
    const otherSeed = open({}, 8);
    const val = open({}, 7, 'val');
    for (let i = 0; i < 10; i++) {
      const sample = train.sample(i);
      expect(sameData(sample, train.sample(i + 1), 'image')).toBe(false);
      expect(sameData(sample, otherSeed.sample(i), 'image')).toBe(false);
      expect(sameData(sample, val.sample(i), 'image')).toBe(false);
    }
  });

  it('sizes the splits by trainSize and valSize and rejects indices outside them', () => {
    expect(open().size).toBe(Infinity);
    expect(open({ trainSize: 100 }).size).toBe(100);
    expect(open({ valSize: 20 }, 7, 'val').size).toBe(20);
    expect(() => open({ trainSize: 100 }).sample(100)).toThrow(/index 100 is out of range for the train split/);
    expect(() => open().sample(-1)).toThrow(DatasetError);
    expect(() => open().sample(1.5)).toThrow(DatasetError);
    expect(open().classNames).toEqual(['circle', 'square', 'triangle']);
  });

  it('rejects contradictory params, naming the param to fix', () => {
    expect(() => open({ minObjects: 5, maxObjects: 3 })).toThrow(/minObjects: must be ≤ maxObjects \(3\), got 5/);
    expect(() => shapesDataset.fields(params({ minSize: 0.5, maxSize: 0.3 }))).toThrow(/minSize/);
  });
});

describe('shapes dataset: fields', () => {
  it('produces every declared field with the declared per-sample shape and dtype', () => {
    const p = params({ imageSize: 40, maxObjects: 5 });
    const declared = shapesDataset.fields(p);
    const sample = shapesDataset.open(p, { seed: 1, split: 'train' }).sample(0);
    expect(Object.keys(sample).sort()).toEqual(Object.keys(declared).sort());
    for (const [name, type] of Object.entries(declared)) {
      expect(type.shape?.[0], name).toBe('N');
      expect(sample[name].shape, name).toEqual(type.shape?.slice(1));
      expect(sample[name].dtype, name).toBe(type.dtype);
      expect(sample[name].data.length, name).toBe(sample[name].shape.reduce((a, b) => a * b, 1));
    }
    expect(declared.masks).toMatchObject({ kind: 'mask', shape: ['N', 40, 40, 5] });
    expect(declared.keypoints).toMatchObject({ kind: 'keypoints', shape: ['N', 5, KEYPOINTS_PER_SHAPE, 3] });
  });

  it('keeps masks, semantic map, classes, boxes, labels and counts consistent', () => {
    const S = 48;
    const K = 6;
    const source = open({ imageSize: S, maxObjects: K, minObjects: 2 });
    for (let index = 0; index < 25; index++) {
      const s = source.sample(index);
      const classes = s.classes.data;
      const n = s.objectCount.data[0];
      expect(n).toBeGreaterThanOrEqual(1);
      expect(s.count.data[0]).toBe(n);
      for (let k = 0; k < K; k++) expect(classes[k] > 0, `class of slot ${k}`).toBe(k < n);

      const area = new Array(K).fill(0);
      const bbox = Array.from({ length: K }, () => [S, S, -1, -1]);
      // Collected rather than asserted per pixel: a million expect() calls would dominate the run time.
      const problems: string[] = [];
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          const p = y * S + x;
          let owner = -1;
          for (let k = 0; k < K; k++) {
            const m = s.masks.data[p * K + k];
            if (m !== 0 && m !== 1) problems.push(`mask ${k} at (${x}, ${y}) is ${m}`);
            if (m === 1) {
              if (owner >= 0) problems.push(`masks ${owner} and ${k} overlap at (${x}, ${y})`);
              owner = k;
            }
          }
          const expected = owner < 0 ? 0 : classes[owner];
          if (s.semantic.data[p] !== expected) problems.push(`semantic ${s.semantic.data[p]} ≠ ${expected} at (${x}, ${y})`);
          if (owner >= 0) {
            area[owner]++;
            const b = bbox[owner];
            b[0] = Math.min(b[0], x);
            b[1] = Math.min(b[1], y);
            b[2] = Math.max(b[2], x + 1);
            b[3] = Math.max(b[3], y + 1);
          }
        }
      }
      expect(problems.slice(0, 5), `sample ${index}`).toEqual([]);
      for (let k = 0; k < K; k++) {
        const box = Array.from(s.boxes.data.subarray(k * 4, k * 4 + 4));
        if (k < n) {
          expect(area[k], 'every object stays visible').toBeGreaterThan(0);
          expect(box).toEqual(bbox[k]);
        } else {
          expect(area[k]).toBe(0);
          expect(box).toEqual([0, 0, 0, 0]);
        }
      }
      const present = SHAPE_CLASS_NAMES.map((_, c) => (Array.from(classes).includes(c + 1) ? 1 : 0));
      expect(Array.from(s.labels.data)).toEqual(present);
    }
  });

  it('outlines exactly the pixels where the top shape meets something below it', () => {
    const S = 40;
    const s = open({ imageSize: S, maxObjects: 4 }).sample(2);
    const semantic = s.semantic.data;
    let onEdges = 0;
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const p = y * S + x;
        const edge = s.edges.data[p];
        expect(edge === 0 || edge === 1).toBe(true);
        onEdges += edge;
        if (semantic[p] === 0) expect(edge).toBe(0);
        // Interior pixels (all four neighbours in the same mask) are never edges.
        const owner = (q: number) => s.masks.data.subarray(q * 4, q * 4 + 4).indexOf(1);
        const inside =
          x > 0 && y > 0 && x < S - 1 && y < S - 1 && owner(p) >= 0 &&
          [p - 1, p + 1, p - S, p + S].every((q) => owner(q) === owner(p));
        if (inside) expect(edge).toBe(0);
        if (semantic[p] !== 0 && !inside && [p - 1, p + 1, p - S, p + S].some((q) => semantic[q] === 0)) {
          expect(edge).toBe(1);
        }
      }
    }
    expect(onEdges).toBeGreaterThan(0);
  });

  it('places keypoints inside the image in the documented canonical order', () => {
    const S = 64;
    const K = 5;
    const P = KEYPOINTS_PER_SHAPE;
    const source = open({ imageSize: S, maxObjects: K });
    const seen = new Set<number>();
    for (let index = 0; index < 40; index++) {
      const s = source.sample(index);
      const kp = s.keypoints.data;
      const n = s.objectCount.data[0];
      for (let k = 0; k < K; k++) {
        const points = Array.from({ length: P }, (_, i) => Array.from(kp.subarray((k * P + i) * 3, (k * P + i) * 3 + 3)));
        if (k >= n) {
          expect(points.flat().every((v) => v === 0), 'padding is zero').toBe(true);
          continue;
        }
        const cls = s.classes.data[k];
        seen.add(cls);
        for (const [x, y, v] of points) {
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(S);
          expect(y).toBeGreaterThanOrEqual(0);
          expect(y).toBeLessThanOrEqual(S);
          expect(v === 0 || v === 1).toBe(true);
        }
        const corners = cls === SQUARE ? points : points.slice(0, 3);
        const [cx, cy] =
          cls === SQUARE
            ? [points.reduce((a, p) => a + p[0], 0) / 4, points.reduce((a, p) => a + p[1], 0) / 4]
            : points[3];
        const radii = corners.map(([x, y]) => Math.hypot(x - cx, y - cy));
        for (const r of radii) expect(r).toBeCloseTo(radii[0], 3);
        const angles = corners.map(([x, y]) => Math.atan2(y - cy, x - cx));
        if (cls === CIRCLE) {
          expect(angles.map((a) => (a * 180) / Math.PI)).toEqual([
            expect.closeTo(-90, 3), expect.closeTo(30, 3), expect.closeTo(150, 3),
          ]);
        } else {
          // First corner is the topmost; the rest follow clockwise on screen (angle increases with y down).
          expect(corners[0][1]).toBe(Math.min(...corners.map((c) => c[1])));
          const step = (2 * Math.PI) / corners.length;
          for (let i = 1; i < corners.length; i++) {
            const turn = (angles[i] - angles[i - 1] + 4 * Math.PI) % (2 * Math.PI);
            expect(turn).toBeCloseTo(step, 4);
          }
        }
        // Centres well inside a mask are visible exactly when that mask is theirs.
        if (cls !== SQUARE) {
          const [x, y, v] = points[3];
          const px = Math.floor(x);
          const py = Math.floor(y);
          const owners = new Set<number>();
          for (let dy = -1; dy <= 1; dy++) {
            for (let dx = -1; dx <= 1; dx++) {
              const q = (py + dy) * S + px + dx;
              owners.add(s.masks.data.subarray(q * K, q * K + K).indexOf(1));
            }
          }
          if (owners.size === 1) expect(v).toBe(owners.has(k) ? 1 : 0);
        }
      }
    }
    expect([...seen].sort()).toEqual([CIRCLE, SQUARE, TRIANGLE]);
  });

  it('respects valueRange for image and edges', () => {
    for (const [range, lo, hi] of [['0..1', 0, 1], ['-1..1', -1, 1]] as const) {
      const s = open({ valueRange: range }).sample(1);
      const image = Array.from(s.image.data);
      expect(Math.min(...image)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...image)).toBeLessThanOrEqual(hi);
      expect(Math.min(...image)).toBeLessThan(lo + (hi - lo) * 0.3);
      expect(new Set(s.edges.data)).toEqual(new Set([lo, hi]));
    }
    // The same scene, only rescaled.
    const a = open({ valueRange: '0..1' }).sample(4).image.data;
    const b = open({ valueRange: '-1..1' }).sample(4).image.data;
    for (let i = 0; i < a.length; i += 97) expect(b[i]).toBeCloseTo(a[i] * 2 - 1, 5);
  });

  it('paints flat backgrounds one colour and textured ones many', () => {
    const backgroundColours = (background: 'flat' | 'textured') => {
      const s = open({ background }).sample(0);
      const colours = new Set<string>();
      s.semantic.data.forEach((c, p) => {
        if (c === 0) colours.add(Array.from(s.image.data.subarray(p * 3, p * 3 + 3)).join());
      });
      return colours.size;
    };
    expect(backgroundColours('flat')).toBe(1);
    expect(backgroundColours('textured')).toBeGreaterThan(50);
  });

  it('draws colours independently of class and all classes about equally often', () => {
    const source = open({ imageSize: 32, maxObjects: 4 });
    const colours = new Map<number, Set<string>>();
    const counts = [0, 0, 0, 0];
    for (let index = 0; index < 150; index++) {
      const s = source.sample(index);
      const K = 4;
      s.masks.data.forEach((m, i) => {
        if (!m) return;
        const p = Math.floor(i / K);
        const cls = s.semantic.data[p];
        // Colours of one object vary only by its shade, so quantise the hue-carrying ratios.
        const rgb = Array.from(s.image.data.subarray(p * 3, p * 3 + 3));
        const max = Math.max(...rgb);
        const key = rgb.map((c) => Math.round((c / max) * 4)).join();
        if (!colours.has(cls)) colours.set(cls, new Set());
        colours.get(cls)!.add(key);
      });
      for (const c of s.classes.data) counts[c]++;
    }
    for (const cls of [CIRCLE, SQUARE, TRIANGLE]) {
      expect(colours.get(cls)!.size, SHAPE_CLASS_NAMES[cls - 1]).toBeGreaterThanOrEqual(6);
      const total = counts[1] + counts[2] + counts[3];
      expect(counts[cls] / total).toBeGreaterThan(0.25);
    }
  });
});

describe('shapes rasteriser', () => {
  it('assigns each pixel to the topmost shape containing its centre', () => {
    const S = 37;
    const options = { imageSize: S, minObjects: 3, maxObjects: 8, minSize: 0.1, maxSize: 0.6, background: 'flat' as const };
    for (let index = 0; index < 20; index++) {
      const scene = generateScene(new Rng(index), options);
      expect(scene.shapes.length).toBeGreaterThanOrEqual(1);
      const visible = new Array(scene.shapes.length).fill(0);
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          let top = 0;
          scene.shapes.forEach((shape, k) => {
            if (insideShape(shape, x + 0.5, y + 0.5)) top = k + 1;
          });
          expect(scene.instanceIds[y * S + x], `pixel (${x}, ${y}) of scene ${index}`).toBe(top);
          if (top) visible[top - 1]++;
        }
      }
      expect(scene.visibleArea).toEqual(visible);
    }
  });

  it('keeps every object at least half visible even when crowded', () => {
    const options = { imageSize: 64, minObjects: 16, maxObjects: 16, minSize: 0.2, maxSize: 0.5, background: 'flat' as const };
    const scene = generateScene(new Rng(3), options);
    expect(scene.shapes.length).toBeGreaterThan(3);
    expect(scene.shapes.length).toBeLessThanOrEqual(16);
    scene.shapes.forEach((shape, k) => {
      let full = 0;
      for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if (insideShape(shape, x + 0.5, y + 0.5)) full++;
      expect(scene.visibleArea[k]).toBeGreaterThanOrEqual(full / 2);
    });
  });
});
