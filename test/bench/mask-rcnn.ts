/**
 * Benchmark (not a test): trains the "Mask R-CNN (FPN)" template with
 * `tensorweave train` exactly as a user would, on the fastest backend
 * available, and reads the metrics it logs on the shapes validation split.
 * Target: mask AP50 ≥ 0.5 within 30 minutes of CPU training.
 *
 *   npx tsx test/bench/mask-rcnn.ts [--minutes 30] [--steps N] [--eval-every 250] [--backend auto]
 */
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { findTemplate } from '../../nodes/templates';
import { serializeGraph } from '../../core/graph/serialize';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    steps: { type: 'string' },
    'eval-every': { type: 'string', default: '250' },
    backend: { type: 'string', default: 'auto' },
    keep: { type: 'boolean', default: false },
  },
});
const limitSec = Number(values.minutes) * 60;
const TARGET = 0.5;

interface MetricsLine {
  step: number;
  time: number;
  metrics: Record<string, number>;
}

async function readMetrics(file: string): Promise<MetricsLine[]> {
  if (!existsSync(file)) return [];
  const text = await fs.readFile(file, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as MetricsLine);
}

async function main(): Promise<number> {
  const template = findTemplate('mask-rcnn');
  if (!template) throw new Error("no 'mask-rcnn' template");
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tw-bench-mrcnn-'));
  const graph = template.build();
  const graphFile = path.join(dir, 'mask-rcnn.graph.json');
  await fs.writeFile(graphFile, serializeGraph(graph));
  const steps = values.steps ?? String(graph.training.steps);
  const bin = fileURLToPath(new URL('../../core/cli/bin.js', import.meta.url));
  // Metrics come with every checkpoint, so the checkpoint interval sets how often AP is measured.
  const args = [bin, 'train', graphFile, '--out', dir, '--name', 'run', '--steps', steps, '--backend', values.backend!, '--checkpoint-every', values['eval-every']!];
  console.log(`tensorweave ${args.slice(1).join(' ')}`);
  const started = Date.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (/^(backend|training|done|stopped|error)/.test(line)) console.log(line);
  });
  const timer = setTimeout(() => {
    console.log(`time limit of ${values.minutes} min reached: stopping the run`);
    child.kill('SIGINT');
  }, limitSec * 1000);
  const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearTimeout(timer);
  const elapsed = (Date.now() - started) / 1000;

  const lines = await readMetrics(path.join(dir, 'run', 'metrics.jsonl'));
  console.log('\n| step | minutes | box AP50 | box AP | mask AP50 | mask AP |');
  console.log('|---|---|---|---|---|---|');
  for (const l of lines) {
    const m = l.metrics;
    const minutes = (l.time - started / 1000) / 60;
    console.log(`| ${l.step} | ${minutes.toFixed(1)} | ${m['bbox/AP50']?.toFixed(3)} | ${m['bbox/AP']?.toFixed(3)} | ${m['segm/AP50']?.toFixed(3)} | ${m['segm/AP']?.toFixed(3)} |`);
  }
  const hit = lines.find((l) => (l.metrics['segm/AP50'] ?? 0) >= TARGET);
  const last = lines[lines.length - 1];
  const run = existsSync(path.join(dir, 'run', 'run.json')) ? JSON.parse(await fs.readFile(path.join(dir, 'run', 'run.json'), 'utf8')) : undefined;
  console.log(`\nbackend: ${run?.backend ?? '?'}; ${os.cpus().length} CPU cores; trained ${run?.step ?? '?'} steps in ${(elapsed / 60).toFixed(1)} min (CLI exit ${code})`);
  if (last) console.log(`final: mask AP50 ${last.metrics['segm/AP50']?.toFixed(3)}, mask AP ${last.metrics['segm/AP']?.toFixed(3)}, box AP50 ${last.metrics['bbox/AP50']?.toFixed(3)}, box AP ${last.metrics['bbox/AP']?.toFixed(3)}`);
  if (!values.keep) await fs.rm(dir, { recursive: true, force: true });
  else console.log(`run folder kept: ${path.join(dir, 'run')}`);
  if (hit) {
    const minutes = (hit.time - started / 1000) / 60;
    const ok = minutes <= Number(values.minutes);
    console.log(`mask AP50 ≥ ${TARGET} first measured at step ${hit.step} after ${minutes.toFixed(1)} min (target: within ${values.minutes} min): ${ok ? 'met' : 'missed'}`);
    return ok ? 0 : 1;
  }
  console.log(`mask AP50 never reached ${TARGET} (target: within ${values.minutes} min): missed`);
  return 1;
}

process.exit(await main());
