/**
 * The export commands as a user runs them: a graph that cannot export writes
 * nothing; export-data, export --weights, torchrun on two CPU processes, and
 * import-weights bring a PyTorch run's weights back into a checkpoint.
 */
import { library } from '../../library';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findTemplate } from '../../../nodes/templates';
import { serializeGraph } from '../../../core/graph/serialize';
import { loggedEventSchema } from '../../../core/contract/app-api';
import { loadCheckpoint } from '../../../core/train/checkpoint';
import { parseGraphObject } from '../../../core/graph/load';
import { decodeSafetensors } from '../../../core/export/safetensors';
import { GraphBuilder } from '../../../core/graph/builder';
import { tempDir } from '../train/helpers';
import { runPython, torchPython } from './torch-harness';

const bin = fileURLToPath(new URL('../../../core/cli/bin.js', import.meta.url));

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A classifier small enough for a few seconds of torchrun. */
function smallClassifier(): string {
  const g = new GraphBuilder({ name: 'small classifier' }, library);
  g.dataset('shapes', { imageSize: 16, maxObjects: 2 });
  g.add('input.dataset', {}, 'data');
  g.op('conv2d', { input: 'data.image' }, { outChannels: 4, kernelSize: 3, padding: 1, bias: false }, 'conv1');
  g.op('batchnorm2d', { input: 'conv1.output' }, {}, 'bn1');
  g.op('relu', { input: 'bn1.output' }, {}, 'relu1');
  g.op('maxpool2d', { input: 'relu1.output' }, { kernelSize: 4, stride: 4 }, 'pool1');
  g.op('flatten', { input: 'pool1.output' }, {}, 'flat');
  g.op('linear', { input: 'flat.output' }, { outFeatures: 3 }, 'fc');
  g.op('loss.bce_logits', { input: 'fc.output', target: 'data.labels' }, {}, 'bce');
  g.optimizer({ type: 'adam', id: 'adam', modules: ['main'], losses: [{ node: 'bce', weight: 1 }], lr: 1e-3 });
  g.training({ steps: 2, batchSize: 2, logEvery: 1, checkpointEvery: 0 });
  return serializeGraph(g.build());
}

describe('tensorweave export commands', () => {
  it('refuses a graph with node types that cannot export yet, naming them, and writes nothing', async () => {
    const dir = await tempDir('tw-export-cli-');
    const file = path.join(dir, 'pix2pix.graph.json');
    await fs.writeFile(file, serializeGraph(findTemplate('pix2pix')!.build()));
    const out = path.join(dir, 'out');
    const result = await cli(['export', 'pytorch', file, out]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("discriminator.patchgan ('D_fake', 'D_real')");
    expect(result.stderr).toContain("generator.unet ('G')");
    expect(result.stderr).toContain('loss.gan');
    expect(result.stderr).toContain('Nothing was written');
    await expect(fs.access(out)).rejects.toThrow();
  }, 120_000);

  it('exports data and weights, trains under torchrun on two CPU processes, and imports the result', async () => {
    const dir = await tempDir('tw-export-cli-');
    const file = path.join(dir, 'small.graph.json');
    await fs.writeFile(file, smallClassifier());
    // A checkpoint of ours to start from: import-weights of nothing would refuse, so train one step first.
    const train = await cli(['train', file, '--steps', '1', '--out', path.join(dir, 'runs'), '--name', 'ours', '--backend', 'cpu']);
    expect(train.code, train.stderr).toBe(0);
    const checkpoint = path.join(dir, 'runs', 'ours', 'checkpoints', 'step-0000001');
    const pkg = path.join(dir, 'pkg');
    const exported = await cli(['export', 'pytorch', file, pkg, '--weights', checkpoint]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain('model.safetensors');
    const again = await cli(['export', 'pytorch', file, pkg]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');

    const data = await cli(['export-data', 'shapes', '--count', '8', path.join(pkg, 'data'), '--graph', file]);
    expect(data.code, data.stderr).toBe(0);
    const samples = decodeSafetensors(await fs.readFile(path.join(pkg, 'data', 'samples.safetensors')));
    expect(samples.tensors.image.shape).toEqual([8, 16, 16, 3]);
    expect(samples.tensors.labels.shape).toEqual([8, 3]);

    const torchrun = path.join(path.dirname(torchPython()), 'torchrun');
    await runPython(
      // --redirects/--tee 1: Debian's torch 1.13 on Python 3.11 cannot parse their default "0" (Std.from_str returns None).
      [torchrun, '--standalone', '--nproc_per_node=2', '--redirects', '1', '--tee', '1', 'train.py', '--data', 'data', '--steps', '2', '--log-every', '1', '--weights', 'model.safetensors', '--out', 'run'],
      { cwd: pkg, env: { OMP_NUM_THREADS: '1' } },
    );
    const lines = (await fs.readFile(path.join(pkg, 'run', 'events.jsonl'), 'utf8')).trim().split('\n');
    const events = lines.map((line) => loggedEventSchema.parse(JSON.parse(line)));
    expect(events.map((e) => e.step)).toEqual([1, 2]);
    for (const e of events) {
      expect(Number.isFinite(e.losses.bce)).toBe(true);
      expect(e.lr.adam).toBe(1e-3);
    }

    const imported = await cli(['import-weights', file, path.join(pkg, 'run', 'model.safetensors'), '--out', path.join(dir, 'imported')]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('7 of 7 weights matched');
    const back = await loadCheckpoint(path.join(dir, 'imported', 'step-0000000'), (text) => parseGraphObject(JSON.parse(text), library).graph!);
    const start = await loadCheckpoint(checkpoint, (text) => parseGraphObject(JSON.parse(text), library).graph!);
    // Two Adam steps moved every trainable weight away from where PyTorch started.
    expect(back.weights['fc/kernel']).not.toEqual(start.weights['fc/kernel']);
    expect(back.weights['fc/kernel'].length).toBe(start.weights['fc/kernel'].length);
  }, 170_000);

  it('reports missing, unexpected and mis-shaped tensors by name', async () => {
    const dir = await tempDir('tw-export-cli-');
    const file = path.join(dir, 'small.graph.json');
    await fs.writeFile(file, smallClassifier());
    const weights = path.join(dir, 'other.safetensors');
    const { encodeSafetensors } = await import('../../../core/export/safetensors');
    await fs.writeFile(
      weights,
      encodeSafetensors({
        'main.conv1.weight': { dtype: 'F32', shape: [4, 3, 3, 3], data: new Float32Array(108) },
        'main.fc.weight': { dtype: 'F32', shape: [3, 5], data: new Float32Array(15) },
        'backbone.stem.weight': { dtype: 'F32', shape: [1], data: new Float32Array(1) },
      }),
    );
    const result = await cli(['import-weights', file, weights, '--out', path.join(dir, 'ckpt')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 of 7 weights matched');
    expect(result.stdout).toContain('missing (keeps its initial value): main.bn1.weight');
    expect(result.stdout).toContain('unexpected (no such node weight in small.graph.json): backbone.stem.weight');
    expect(result.stdout).toContain('mis-shaped: main.fc.weight: file [3, 5] vs graph [3, 64]');
    expect(result.stderr).toContain('nothing written');
  }, 120_000);
});
