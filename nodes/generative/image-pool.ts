/**
 * CycleGAN's image buffer (util/image_pool.py ImagePool; Shrivastava et al.):
 * the discriminator sees a history of generated images rather than only the
 * latest ones, which damps oscillation between G and D.
 */
import { defineNode } from '../../core/node-api';
import { p } from '../../core/params';
import { detachedReplacement } from '../../core/ops/generative';
import { expectImage } from '../../core/ops/shape';
import { tensor4dOf } from '../../core/ops/value';
import type { Rng } from '../../core/rng';
import { noArithmetic } from '../flops';

/**
 * The reference's query rule, per image: while the pool has room, store it
 * and return it; once full, with probability ½ return a random stored image
 * and store the new one in its place, else return the new one. Returns the
 * images to output (copies; the pool keeps its own).
 */
export function queryPool(pool: Float32Array[], capacity: number, images: Float32Array[], rng: Rng): Float32Array[] {
  if (capacity === 0) return images;
  return images.map((image) => {
    if (pool.length < capacity) {
      pool.push(image.slice());
      return image;
    }
    if (rng.next() > 0.5) {
      const slot = rng.int(capacity);
      const stored = pool[slot];
      pool[slot] = image.slice();
      return stored;
    }
    return image;
  });
}

export const imagePool = defineNode({
  type: 'image_pool',
  version: 1,
  category: 'generative',
  title: 'Image pool',
  doc:
    "CycleGAN's history of generated images (PyTorch util.image_pool.ImagePool(pool_size).query(images)): between a " +
    'generator and the discriminator\'s fake branch. The first poolSize images are stored and passed through; after ' +
    'that each new image, with probability ½, is swapped for a random stored one (which is output) and otherwise passed ' +
    'through. Output images are detached (no gradient reaches the generator through the pool), draws come from the ' +
    'run\'s seeded generator and the stored images are saved in checkpoints, so a resumed run continues identically. ' +
    'Only a training step updates the pool; previews and evaluation pass images straight through.',
  inputs: {
    input: { kinds: ['image'], doc: 'Generated images N×H×W×C.' },
  },
  outputs: {
    output: { kind: 'image', doc: 'Images for the discriminator, same shape: new ones or older ones from the pool.' },
  },
  params: {
    poolSize: p.int({ default: 50, min: 0, max: 100000, doc: 'Images kept (pool_size); 0 turns the pool off.' }),
  },
  inferShape({ inputs }) {
    expectImage(inputs.input, 'input');
    return { output: { kind: 'image', shape: inputs.input.shape } };
  },
  // Swapping images in and out of the pool is copying.
  flops: noArithmetic,
  build(ctx) {
    const capacity = ctx.params.poolSize;
    const { h, w, c } = expectImage(ctx.inputs.input, 'input');
    const perImage = h * w * c;
    let pool: Float32Array[] = [];
    // The executor may run a node twice in one step (once per optimizer that needs it); the pool
    // is queried once and the repeat gets the same answer.
    let lastAnswer: Float32Array[] | null = null;
    return {
      forward: (inputs, mode) => {
        const x = tensor4dOf(inputs.input, 'input');
        if (!mode.training || capacity === 0) return { output: x };
        const n = x.shape[0];
        if (mode.updateStats || !lastAnswer || lastAnswer.length !== n) {
          const values = x.dataSync() as Float32Array;
          const images = Array.from({ length: n }, (_, i) => values.slice(i * perImage, (i + 1) * perImage));
          lastAnswer = queryPool(pool, capacity, images, mode.rng);
        }
        const out = new Float32Array(n * perImage);
        lastAnswer.forEach((image, i) => out.set(image, i * perImage));
        return { output: detachedReplacement(x, out) };
      },
      saveState: () => {
        const images = new Float32Array(pool.length * perImage);
        pool.forEach((image, i) => images.set(image, i * perImage));
        return { images: { shape: [pool.length, h, w, c], values: images } };
      },
      loadState: (state) => {
        const saved = state.images;
        if (!saved || saved.shape.length !== 4 || saved.shape[1] !== h || saved.shape[2] !== w || saved.shape[3] !== c) {
          throw new Error(
            `image pool '${ctx.nodeId}': the checkpoint's pool holds ${saved ? saved.shape.join('×') : 'nothing'} but the node takes ${h}×${w}×${c} images`,
          );
        }
        pool = Array.from({ length: Math.min(saved.shape[0], capacity) }, (_, i) => saved.values.slice(i * perImage, (i + 1) * perImage));
        lastAnswer = null;
      },
    };
  },
});
