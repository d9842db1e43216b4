/**
 * `npm run bench`: runs every benchmark script in turn and prints what each
 * measures. Benchmarks hold speed and quality targets; tests never do.
 *   npm run bench                 all of them
 *   npm run bench -- unet kernels only these
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHES: { name: string; file: string; what: string }[] = [
  { name: 'kernels', file: 'kernels.ts', what: 'conv filter gradient and other training kernels, stock vs ours, cpu and wasm' },
  { name: 'unet', file: 'unet.ts', what: 'pix2pix U-Net training step: graph vs hand-written tfjs, per backend; wasm vs stock cpu' },
  { name: 'editor', file: 'editor-bench.ts', what: 'editor with a 1000-node graph: first render, param edit → shapes' },
  { name: 'dashboard', file: 'dashboard-bench.ts', what: 'training dashboard frame time at 200 events/s' },
  { name: 'generative', file: 'generative.ts', what: 'generative templates: ms/step on wasm' },
  { name: 'mask-rcnn', file: 'mask-rcnn.ts', what: 'Mask R-CNN template: mask AP50 reached and time' },
];

const wanted = process.argv.slice(2);
let failed = 0;
for (const bench of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  const file = path.join(here, bench.file);
  if (!existsSync(file)) continue;
  console.log(`\n=== ${bench.name}: ${bench.what}`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', file], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`(${bench.name} exited with ${result.status ?? result.signal})`);
  }
}
process.exit(failed > 0 ? 1 : 0);
