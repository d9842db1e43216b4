/**
 * Behaviour of the generative nodes beyond the PyTorch fixtures: PatchGAN
 * geometry, the U-Net blocks composing to the composite generator,
 * conditioning, the image pool's rule and state, and the shape errors a
 * mis-wired graph gets.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { Rng } from '../../../core/rng';
import { ShapeError, type AnyNodeDefinition } from '../../../core/node-api';
import { defaultParams } from '../../../core/params';
import type { ValueType } from '../../../core/types';
import { nodeRegistry } from '../../../nodes/registry';
import { patchReceptiveField } from '../../../nodes/generative/discriminators';
import { queryPool } from '../../../nodes/generative/image-pool';
import { buildNode, expectClose, runMode } from '../harness';

const def = (type: string) => (nodeRegistry as Record<string, AnyNodeDefinition>)[type];
const img = (h: number, w: number, c: number): ValueType => ({ kind: 'image', shape: ['N', h, w, c] });
const infer = (type: string, inputs: Record<string, ValueType>, params: Record<string, unknown> = {}) =>
  def(type).inferShape({ inputs, params: { ...defaultParams(def(type).params), ...params } as never });
const random = (shape: number[], seed: number) => tf.tensor(new Rng(seed).fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), 0, 1), shape);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('PatchGAN', () => {
  it('maps 256×256 to 30×30 logits with the default 3 layers, each seeing 70×70 pixels', () => {
    expect(infer('discriminator.patchgan', { input: img(256, 256, 3), condition: img(256, 256, 3) }).output?.shape).toEqual(['N', 30, 30, 1]);
    expect(patchReceptiveField(3)).toBe(70);
    expect(patchReceptiveField(1)).toBe(16);
    expect(patchReceptiveField(5)).toBe(286);
  });

  it('one logit depends on exactly a 70×70 window of the input (measured by its gradient)', () => {
    const node = buildNode(def('discriminator.patchgan'), { input: img(256, 256, 1) }, { ndf: 1, norm: 'none' });
    const x = random([1, 256, 256, 1], 3);
    const grad = tf.tidy(() =>
      tf.grad((input: tf.Tensor) => {
        const logits = node.run({ input }, { training: false }).output as tf.Tensor4D;
        return tf.sum(tf.slice(logits, [0, 15, 15, 0], [1, 1, 1, 1]));
      })(x),
    );
    const g = grad.dataSync();
    const rows = new Set<number>();
    const cols = new Set<number>();
    for (let i = 0; i < g.length; i++) {
      if (g[i] !== 0) {
        rows.add(Math.floor(i / 256));
        cols.add(i % 256);
      }
    }
    expect(rows.size).toBe(70);
    expect(cols.size).toBe(70);
    // Output (15, 15) starts at 15·8 − padding: the window is contiguous.
    expect(Math.max(...rows) - Math.min(...rows)).toBe(69);
    tf.dispose([x, grad]);
    node.dispose();
  });

  it('names the port and the fix when the wired channels differ from inChannels', () => {
    expect(() => infer('discriminator.patchgan', { input: img(32, 32, 1), condition: img(32, 32, 1) }, { inChannels: 4 })).toThrow(
      /built for 4 input channels but gets 1 \(condition\) \+ 1 \(input\) = 2: wire an image with 3 channels to 'input'/,
    );
    try {
      infer('discriminator.patchgan', { input: img(32, 32, 1) }, { inChannels: 3 });
    } catch (error) {
      expect(error).toBeInstanceOf(ShapeError);
      expect((error as ShapeError).at).toEqual({ port: 'input' });
    }
    expect(() => infer('discriminator.patchgan', { input: img(32, 32, 3), condition: img(16, 16, 1) })).toThrow(/'condition' is 16×16 but 'input' is 32×32/);
    expect(() => infer('discriminator.patchgan', { input: img(16, 16, 3) }, { nLayers: 4 })).toThrow(/too small for 4 stride-2 layers/);
  });
});

describe('U-Net', () => {
  it('rejects a depth the input size cannot take, suggesting one that fits', () => {
    expect(() => infer('generator.unet', { input: img(64, 64, 3) })).toThrow(/depth 8 needs both sides divisible by 2\^8 = 256: lower depth to 6/);
    expect(infer('generator.unet', { input: img(64, 64, 1) }, { depth: 6, outChannels: 3 }).output?.shape).toEqual(['N', 64, 64, 3]);
  });

  it('wired from unet.down / unet.up blocks, equals the composite generator with the same weights', () => {
    const config = { depth: 3, ngf: 3, outChannels: 2, norm: 'batch', dropout: false };
    const composite = buildNode(def('generator.unet'), { input: img(8, 8, 1) }, config);
    const down = (h: number, c: number, params: Record<string, unknown>) => buildNode(def('unet.down'), { input: img(h, h, c) }, params);
    const d0 = down(8, 1, { outChannels: 3, leaky: false, norm: 'none' });
    const d1 = down(4, 3, { outChannels: 6 });
    const d2 = down(2, 6, { outChannels: 12, norm: 'none' });
    const u2 = buildNode(def('unet.up'), { input: img(1, 1, 12), skip: img(2, 2, 6) }, { outChannels: 6 });
    const u1 = buildNode(def('unet.up'), { input: img(2, 2, 12), skip: img(4, 4, 3) }, { outChannels: 3 });
    const u0 = buildNode(def('unet.up'), { input: img(4, 4, 6) }, { outChannels: 2, outermost: true });
    const copies: [typeof d0, string][] = [
      [d0, 'down0'],
      [d1, 'down1'],
      [d2, 'down2'],
      [u2, 'up2'],
      [u1, 'up1'],
      [u0, 'up0'],
    ];
    let copied = 0;
    for (const [block, scope] of copies) {
      for (const [name, { variable }] of block.weights) {
        const source = composite.weights.get(`${scope}/${name}`);
        expect(source, `${scope}/${name}`).toBeDefined();
        variable.assign(source!.variable);
        copied++;
      }
    }
    expect(copied).toBe(composite.weights.size);
    const x = random([2, 8, 8, 1], 5);
    const mode = { training: true, updateStats: false };
    const [expected, actual] = tf.tidy(() => {
      const a0 = d0.run({ input: x }, mode);
      const a1 = d1.run({ input: a0.output }, mode);
      const a2 = d2.run({ input: a1.output }, mode);
      const b2 = u2.run({ input: a2.output, skip: a2.skip }, mode);
      const b1 = u1.run({ input: b2.output, skip: a1.skip }, mode);
      const b0 = u0.run({ input: b1.output }, mode);
      return [(composite.run({ input: x }, mode).output as tf.Tensor).dataSync(), (b0.output as tf.Tensor).dataSync()];
    });
    expectClose(actual, expected, 1e-6);
    for (const node of [composite, d0, d1, d2, u2, u1, u0]) node.dispose();
    x.dispose();
  });

  it('unet.up asks for the skip of the matching level', () => {
    expect(() => infer('unet.up', { input: img(4, 4, 8) })).toThrow(/wire 'skip' to the skip output of the matching unet.down/);
    expect(() => infer('unet.up', { input: img(4, 4, 8), skip: img(4, 4, 8) })).toThrow(/'skip' is 4×4 but this block outputs 8×8/);
  });
});

describe('global discriminator and conditioning', () => {
  it('a label vector condition is the same as the label broadcast to a map', () => {
    const vectorD = buildNode(def('discriminator.global'), { input: img(16, 16, 3), condition: { kind: 'vector', shape: ['N', 3] } }, { ndf: 4 });
    const mapD = buildNode(def('discriminator.global'), { input: img(16, 16, 3), condition: img(16, 16, 3) }, { ndf: 4 });
    const labelMap = buildNode(def('condition.label_map'), { labels: { kind: 'vector', shape: ['N', 3] }, like: img(16, 16, 3) });
    for (const [name, { variable }] of mapD.weights) variable.assign(vectorD.weights.get(name)!.variable);
    const x = random([2, 16, 16, 3], 1);
    const labels = tf.tensor2d([[0, 1, 0], [1, 0, 0]]);
    const [a, b] = tf.tidy(() => {
      const map = labelMap.run({ labels, like: x }).output;
      expect((map as tf.Tensor).shape).toEqual([2, 16, 16, 3]);
      return [(vectorD.run({ input: x, condition: labels }).output as tf.Tensor).dataSync(), (mapD.run({ input: x, condition: map }).output as tf.Tensor).dataSync()];
    });
    expect(a.length).toBe(2);
    expectClose(a, b, 1e-6);
    for (const node of [vectorD, mapD, labelMap]) node.dispose();
    tf.dispose([x, labels]);
  });

  it('label map one-hot encodes class ids; the embedding picks rows for ids and one-hot rows alike', () => {
    const ids = tf.tensor1d([2, 0], 'int32');
    const map = buildNode(def('condition.label_map'), { labels: { kind: 'labels', shape: ['N'], dtype: 'int32' } }, { classes: 3, height: 2, width: 1 });
    expect(Array.from((map.run({ labels: ids }).output as tf.Tensor).dataSync())).toEqual([0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0]);
    const byId = buildNode(def('condition.embedding'), { labels: { kind: 'labels', shape: ['N'], dtype: 'int32' } }, { classes: 3, dim: 2 });
    const table = byId.weights.get('embedding')!.variable.dataSync();
    expect(Array.from((byId.run({ labels: ids }).output as tf.Tensor).dataSync())).toEqual([table[4], table[5], table[0], table[1]]);
    const byRow = buildNode(def('condition.embedding'), { labels: { kind: 'vector', shape: ['N', 3] } }, { dim: 2 });
    byRow.weights.get('embedding')!.variable.assign(byId.weights.get('embedding')!.variable);
    const rows = tf.tensor2d([[0, 0, 1], [1, 0, 0]]);
    expect(Array.from((byRow.run({ labels: rows }).output as tf.Tensor).dataSync())).toEqual([table[4], table[5], table[0], table[1]]);
    expect(() => infer('condition.embedding', { labels: { kind: 'labels', shape: ['N'], dtype: 'int32' } })).toThrow(/set classes/);
    for (const node of [map, byId, byRow]) node.dispose();
    tf.dispose([ids, rows]);
  });

  it('noise is N(0, 1), repeats for the same step and node stream, and differs between steps', () => {
    const node = buildNode(def('noise'), { like: { kind: 'labels', shape: ['N'], dtype: 'int32' } }, { shape: [500] });
    const like = tf.tensor1d([0, 1, 2, 3], 'int32');
    const draw = (seed: number) => (node.run({ like }, { rng: new Rng(seed) }).output as tf.Tensor).dataSync();
    const a = Array.from(draw(1));
    expect(a.length).toBe(2000);
    expect(Array.from(draw(1))).toEqual(a);
    expect(Array.from(draw(2))).not.toEqual(a);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const variance = a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length;
    expect(Math.abs(mean)).toBeLessThan(0.1);
    expect(Math.abs(variance - 1)).toBeLessThan(0.1);
    like.dispose();
  });
});

describe('image pool', () => {
  const image = (v: number) => new Float32Array([v, v]);

  it('stores and passes through until full, then swaps with probability ½ (the reference rule)', () => {
    const pool: Float32Array[] = [];
    const rng = new Rng(4);
    const first = queryPool(pool, 3, [image(1), image(2)], rng);
    expect(first.map((x) => x[0])).toEqual([1, 2]);
    expect(queryPool(pool, 3, [image(3)], rng).map((x) => x[0])).toEqual([3]);
    expect(pool.map((x) => x[0])).toEqual([1, 2, 3]);
    // Replay the same draws to know which images should come out.
    let swapped = 0;
    for (let i = 0; i < 200; i++) {
      const before = pool.map((x) => x[0]);
      const probe = new Rng(100 + i);
      const expectSwap = probe.next() > 0.5;
      const slot = probe.int(3);
      const [out] = queryPool(pool, 3, [image(10 + i)], new Rng(100 + i));
      if (expectSwap) {
        swapped++;
        expect(out[0]).toBe(before[slot]);
        expect(pool[slot][0]).toBe(10 + i);
      } else {
        expect(out[0]).toBe(10 + i);
        expect(pool.map((x) => x[0])).toEqual(before);
      }
    }
    expect(swapped).toBeGreaterThan(70);
    expect(swapped).toBeLessThan(130);
    expect(queryPool([], 0, [image(7)], rng)[0][0]).toBe(7);
  });

  it('is a pass-through in evaluation, detaches its output, and carries its images through saveState/loadState', () => {
    const pool = buildNode(def('image_pool'), { input: img(1, 1, 2) }, { poolSize: 2 });
    const batch = (a: number, b: number) => tf.tensor4d([a, a, b, b], [2, 1, 1, 2]);
    const x = batch(1, 2);
    expect(pool.run({ input: x }, { training: false }).output).toBe(x);
    tf.tidy(() => {
      const grad = tf.grad((input: tf.Tensor) => tf.sum(pool.run({ input }, runMode()).output as tf.Tensor))(x);
      expect(Array.from(grad.dataSync())).toEqual([0, 0, 0, 0]);
    });
    const state = pool.runtime.saveState!();
    expect(state.images.shape).toEqual([2, 1, 1, 2]);
    expect(Array.from(state.images.values)).toEqual([1, 1, 2, 2]);

    const restored = buildNode(def('image_pool'), { input: img(1, 1, 2) }, { poolSize: 2 });
    restored.runtime.loadState!(state);
    const y = batch(5, 6);
    const outA = tf.tidy(() => Array.from((pool.run({ input: y }, { rng: new Rng(9) }).output as tf.Tensor).dataSync()));
    const outB = tf.tidy(() => Array.from((restored.run({ input: y }, { rng: new Rng(9) }).output as tf.Tensor).dataSync()));
    expect(outB).toEqual(outA);
    expect(() => restored.runtime.loadState!({ images: { shape: [1, 2, 2, 2], values: new Float32Array(8) } })).toThrow(/holds 1×2×2×2 but the node takes 1×1×2/);
    tf.dispose([x, y]);
    pool.dispose();
    restored.dispose();
  });
});

describe('losses', () => {
  it('cycle and identity losses insist on complete, same-shaped pairs', () => {
    expect(() => infer('loss.cycle', { reconstructedA: img(4, 4, 3), realA: img(4, 4, 3), reconstructedB: img(4, 4, 3) })).toThrow(
      /'reconstructedB' and 'realB' go together: wire 'realB' too/,
    );
    expect(() => infer('loss.identity', { identityA: img(4, 4, 3), realB: img(8, 8, 3) })).toThrow(/'identityA' is N×4×4×3 but 'realB' is N×8×8×3/);
  });

  it('perceptual loss names a layer the feature network does not expose', () => {
    const features = (levels: Record<string, number[]>): ValueType => ({
      kind: 'pyramid',
      levels: Object.fromEntries(Object.entries(levels).map(([k, s]) => [k, ['N', ...s]])),
    });
    const f = features({ relu1_2: [8, 8, 4] });
    expect(() => infer('loss.perceptual', { input: f, content: f }, { contentLayers: 'relu2_2' })).toThrow(/'input' has no feature map 'relu2_2'/);
    expect(() => infer('loss.perceptual', { input: f })).toThrow(/wire content, style or both/);
    // Style images may have another size: only channels must agree.
    expect(infer('loss.perceptual', { input: f, style: features({ relu1_2: [5, 5, 4] }) }, { styleLayers: 'relu1_2' }).loss?.shape).toEqual([]);
  });
});
