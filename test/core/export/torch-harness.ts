/**
 * Runs a graph on our engine and its PyTorch export on the same weights and
 * batches (through parity.py and Debian's python3-torch), and returns both
 * sides for the tests to compare.
 */
import { execFile, spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tf } from '../../../core/tf';
import type { GraphDocument } from '../../../core/graph/schema';
import { library } from '../../library';
import { TrainingSession, type StepResult } from '../../../core/train/session';
import { StepExecutor } from '../../../core/compile/executor';
import { datasetFieldsUsed } from '../../../core/train/dataset-node';
import { batchIndices, datasetFields, makeBatch, openDataset } from '../../../core/data/batch';
import { exportPytorch } from '../../../core/export/pytorch';
import { planExport, type TorchTensorSpec } from '../../../core/export/plan';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from '../../../core/export/safetensors';
import { weightsFromTorchState } from '../../../core/export/weights';
import { tempDir } from '../train/helpers';

const parityScript = fileURLToPath(new URL('./parity.py', import.meta.url));

let python: string | undefined;

/** A Python with torch: $TENSORWEAVE_PYTHON, Debian's /usr/bin/python3 (CI installs python3-torch), or python3. */
export function torchPython(): string {
  if (python) return python;
  const candidates = [process.env.TENSORWEAVE_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ['-c', 'import torch'], { encoding: 'utf8' });
    if (probe.status === 0) return (python = candidate);
  }
  throw new Error(`no Python with torch among ${candidates.join(', ')}: install python3-torch (apt) or set TENSORWEAVE_PYTHON`);
}

export function runPython(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(torchPython(), args, { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: 170_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

export async function writePackage(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await fs.writeFile(path.join(dir, name), content);
}

export interface ParityResult {
  /** "node.port" → [ours, PyTorch's] in our layout (eval mode, first batch). */
  forward: Map<string, [Float32Array, Float32Array]>;
  /** Per step, ours and PyTorch's logged values. */
  steps: { ours: StepResult; torch: StepResult }[];
  /** Weight name → [ours, PyTorch's] after the steps. */
  trained: Map<string, [Float32Array, Float32Array]>;
  /** The initial weights and what came back from PyTorch's state_dict unchanged. */
  initial: Map<string, [Float32Array, Float32Array]>;
  tensors: TorchTensorSpec[];
  packageDir: string;
}

function toSafe(t: tf.Tensor): SafeTensor {
  return t.dtype === 'int32'
    ? { dtype: 'I32', shape: t.shape, data: t.dataSync() as Int32Array }
    : { dtype: 'F32', shape: t.shape, data: Float32Array.from(t.dataSync()) };
}

function snapshot(session: TrainingSession): Record<string, Float32Array> {
  return Object.fromEntries(session.program.weights.map((w) => [w.name, Float32Array.from(w.variable.dataSync())]));
}

export async function runParity(graph: GraphDocument, steps = 3): Promise<ParityResult> {
  const registries = library;
  const dir = await tempDir('tw-export-');
  const packageDir = path.join(dir, 'package');
  const work = path.join(dir, 'work');
  await fs.mkdir(work, { recursive: true });

  const session = TrainingSession.compile(graph, { registries });
  const plan = planExport(graph, registries);
  const tensors = plan.tensors;
  plan.program.dispose();
  const seed = graph.training.seed;
  const batchSize = graph.training.batchSize;
  const fields = datasetFieldsUsed(graph, registries);
  const source = openDataset(graph.dataset, { seed, split: 'train', io: registries.io }, registries.datasets);
  const batches = Array.from({ length: steps }, (_, k) => makeBatch(source, batchIndices(k, batchSize, source.size, seed), fields));
  const kinds = datasetFields(graph.dataset);
  try {
    const initial = snapshot(session);
    const pkg = exportPytorch(graph, registries, { weights: initial });
    await writePackage(packageDir, pkg.files);
    await fs.writeFile(path.join(work, 'weights.safetensors'), pkg.files['model.safetensors']);
    const safeBatches: Record<string, SafeTensor> = {};
    batches.forEach((b, k) => Object.entries(b).forEach(([field, t]) => (safeBatches[`${k}/${field}`] = toSafe(t))));
    await fs.writeFile(path.join(work, 'batches.safetensors'), encodeSafetensors(safeBatches));
    const images = fields.filter((f) => kinds[f]?.kind === 'image' && kinds[f]?.shape?.length === 4);
    await fs.writeFile(path.join(work, 'case.json'), JSON.stringify({ steps, images }));

    // Ours: eval-mode forward of every node on the first batch, then the training steps.
    const ours = new Map<string, Float32Array>();
    const executor = new StepExecutor(session.program, { training: false, step: 0, seed, batch: batches[0] });
    try {
      const outputs = executor.evaluate(session.program.order);
      for (const [id, ports] of outputs) {
        for (const [port, value] of Object.entries(ports)) if (value instanceof tf.Tensor) ours.set(`${id}.${port}`, Float32Array.from(value.dataSync()));
      }
    } finally {
      executor.dispose();
    }
    const ourSteps = batches.map((b, k) => session.step(b, k));
    const trainedOurs = snapshot(session);

    await runPython([parityScript, packageDir, work]);

    const read = async (name: string) => decodeSafetensors(await fs.readFile(path.join(work, name)), name).tensors;
    const torchForward = await read('forward.safetensors');
    const forward = new Map<string, [Float32Array, Float32Array]>();
    for (const [key, t] of Object.entries(torchForward)) {
      const mine = ours.get(key);
      if (!mine) throw new Error(`PyTorch returned '${key}', which our engine did not compute`);
      forward.set(key, [mine, t.data as Float32Array]);
    }
    const pair = (a: Record<string, Float32Array>, b: Record<string, Float32Array>) => {
      const out = new Map<string, [Float32Array, Float32Array]>();
      for (const [name, values] of Object.entries(a)) {
        if (!b[name]) throw new Error(`PyTorch's state_dict has no tensor for our weight '${name}'`);
        out.set(name, [values, b[name]]);
      }
      return out;
    };
    const back = (safe: Record<string, SafeTensor>) => {
      const report = weightsFromTorchState({ tensors } as never, safe);
      if (report.missing.length + report.unexpected.length + report.misshaped.length > 0) {
        throw new Error(`state_dict mismatch: ${JSON.stringify({ missing: report.missing, unexpected: report.unexpected, misshaped: report.misshaped })}`);
      }
      return report.weights;
    };
    const torchSteps = JSON.parse(await fs.readFile(path.join(work, 'steps.json'), 'utf8')) as StepResult[];
    return {
      forward,
      steps: ourSteps.map((o, k) => ({ ours: o, torch: torchSteps[k] })),
      trained: pair(trainedOurs, back(await read('trained.safetensors'))),
      initial: pair(initial, back(await read('roundtrip.safetensors'))),
      tensors,
      packageDir,
    };
  } finally {
    for (const b of batches) tf.dispose(Object.values(b));
    session.dispose();
  }
}

/** Largest |a − b| / (1 + |b|): absolute near zero, relative for large values. */
export function maxDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return worst;
}

/** Entries of `pairs` differing by more than `tolerance`, with their differences, for failure messages. */
export function mismatches(pairs: Map<string, [Float32Array, Float32Array]>, tolerance: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, [a, b]] of pairs) {
    const d = maxDifference(a, b);
    if (!(d <= tolerance)) out[name] = d;
  }
  return out;
}
