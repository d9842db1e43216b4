/**
 * The CLI's PyTorch commands: `export pytorch`, `export-data` and
 * `import-weights`. main.ts dispatches to them and passes the registries in.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadGraph, parseGraphObject } from '../graph/load';
import { formatProblem, hasErrors } from '../graph/problems';
import type { GraphDocument } from '../graph/schema';
import type { GraphRegistries } from '../graph/registries';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint';
import { exportPytorch } from '../export/pytorch';
import { exportSamples } from '../export/data';
import { ExportError, planExport } from '../export/plan';
import { decodeSafetensors } from '../export/safetensors';
import { weightsFromTorchState } from '../export/weights';
import { tf } from '../tf';
import { UsageError } from './command';


/** A mistake in how the command was called: main prints it with the usage hint and exits 2. */
export class ExportUsageError extends UsageError {}

async function readGraph(file: string | undefined, registries: GraphRegistries): Promise<GraphDocument> {
  if (!file) throw new ExportUsageError('give a graph file');
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new ExportUsageError(`${file}: cannot read (${(error as Error).message})`);
  }
  const { graph, problems } = loadGraph(text, registries);
  if (!graph || hasErrors(problems)) {
    throw new ExportError(`${file} has errors; fix them first (tensorweave validate ${file}):\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
  }
  return graph;
}

/** Refuses a non-empty output folder unless --force, so an export never mixes with or silently replaces files. */
async function prepareOutDir(dir: string, force: boolean | undefined): Promise<void> {
  const existing = await fs.readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0 && !force) throw new ExportUsageError(`${dir} is not empty; choose another folder or pass --force to overwrite files in it`);
  await fs.mkdir(dir, { recursive: true });
}

async function writeFiles(dir: string, files: Record<string, string | Uint8Array>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    const tmp = `${file}.tmp-${process.pid}`;
    await fs.writeFile(tmp, content);
    await fs.rename(tmp, file);
  }
}

export async function exportCommand(args: string[], registries: GraphRegistries): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { weights: { type: 'string' }, force: { type: 'boolean' } } });
  const [target, file, outDir] = positionals;
  if (target !== 'pytorch') throw new ExportUsageError(`export supports 'pytorch' only: tensorweave export pytorch <file> <outDir>`);
  if (!outDir) throw new ExportUsageError('usage: tensorweave export pytorch <file> <outDir> [--weights <checkpointDir>]');
  const graph = await readGraph(file, registries);
  let weights: Record<string, Float32Array> | undefined;
  if (values.weights) {
    const checkpoint = await loadCheckpoint(values.weights, (text) => parseGraphObject(JSON.parse(text), registries).graph!);
    weights = checkpoint.weights;
  }
  try {
    // Everything is generated in memory first: a graph that cannot export leaves the folder untouched.
    const pkg = exportPytorch(graph, registries, { weights, source: path.basename(file) });
    await prepareOutDir(outDir, values.force);
    await writeFiles(outDir, pkg.files);
    process.stdout.write(`wrote ${Object.keys(pkg.files).sort().join(', ')} to ${outDir}\n`);
    return 0;
  } catch (error) {
    if (error instanceof ExportError) {
      process.stderr.write(`tensorweave: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export async function exportDataCommand(args: string[], registries: GraphRegistries): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { count: { type: 'string' }, seed: { type: 'string' }, split: { type: 'string' }, graph: { type: 'string' }, force: { type: 'boolean' } },
  });
  const [type, outDir] = positionals;
  if (!type || !outDir || !values.count) throw new ExportUsageError('usage: tensorweave export-data <dataset> --count N <outDir>');
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) throw new ExportUsageError(`--count must be a whole number ≥ 1, got '${values.count}'`);
  const split = values.split ?? 'train';
  if (split !== 'train' && split !== 'val') throw new ExportUsageError(`--split must be train or val, got '${split}'`);
  // With --graph, the graph's dataset params and seed, so the samples are the ones that graph trains on.
  const graph = values.graph ? await readGraph(values.graph, registries) : undefined;
  if (graph && graph.dataset.type !== type) throw new ExportUsageError(`${values.graph} uses dataset '${graph.dataset.type}', not '${type}'`);
  const seed = values.seed !== undefined ? Number(values.seed) : (graph?.training.seed ?? 0);
  const files = exportSamples({ type, params: graph?.dataset.params ?? {}, count, seed, split }, registries.datasets);
  await prepareOutDir(outDir, values.force);
  await writeFiles(outDir, files);
  process.stdout.write(`wrote ${count} ${split} samples of '${type}' (seed ${seed}) to ${outDir}\n`);
  return 0;
}

export async function importWeightsCommand(args: string[], registries: GraphRegistries): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
  const [file, weightsFile] = positionals;
  if (!file || !weightsFile) throw new ExportUsageError('usage: tensorweave import-weights <file> <model.safetensors> [--out <checkpointsDir>]');
  const graph = await readGraph(file, registries);
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(weightsFile);
  } catch (error) {
    throw new ExportUsageError(`${weightsFile}: cannot read (${(error as Error).message})`);
  }
  const state = decodeSafetensors(bytes, weightsFile);
  let plan;
  try {
    plan = planExport(graph, registries);
  } catch (error) {
    if (error instanceof ExportError) {
      process.stderr.write(`tensorweave: ${error.message.replace('cannot export to PyTorch yet', 'have no PyTorch weight mapping yet')}\n`);
      return 1;
    }
    throw error;
  }
  try {
    const report = weightsFromTorchState(plan, state.tensors);
    const matched = Object.keys(report.weights).length;
    const lines = [
      `${weightsFile}: ${matched} of ${plan.tensors.filter((t) => t.ours).length} weights matched`,
      ...report.missing.map((k) => `  missing (keeps its initial value): ${k}`),
      ...report.unexpected.map((k) => `  unexpected (no such node weight in ${path.basename(file)}): ${k}`),
      ...report.misshaped.map((k) => `  mis-shaped: ${k}`),
      ...report.converted.map((k) => `  converted F64 → F32: ${k}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (report.misshaped.length > 0) {
      process.stderr.write('tensorweave: nothing written: mis-shaped tensors mean the file belongs to a different architecture; fix the graph or the file\n');
      return 1;
    }
    if (matched === 0) {
      process.stderr.write(`tensorweave: nothing written: no tensor of ${weightsFile} matches a node of ${file}; keys are <module>.<node id>.<param>\n`);
      return 1;
    }
    for (const weight of plan.program.weights) {
      const values = report.weights[weight.name];
      if (values) tf.tidy(() => weight.variable.assign(tf.tensor(values, weight.variable.shape, 'float32')));
    }
    const outDir = values.out ?? path.join('runs', `imported-${path.basename(weightsFile).replace(/\.safetensors$/, '')}`, 'checkpoints');
    const dir = await saveCheckpoint(outDir, 0, plan.program, []);
    process.stdout.write(`wrote checkpoint ${dir}\n`);
    return 0;
  } finally {
    plan.program.dispose();
  }
}
