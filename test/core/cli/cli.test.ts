/** The command line as a user runs it: a real process, real files, exit codes. */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { templates } from '../../../nodes/templates';
import { serializeGraph } from '../../../core/graph/serialize';
import { tempDir, tinyRegressor } from '../train/helpers';

const bin = fileURLToPath(new URL('../../../core/cli/bin.js', import.meta.url));

function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('tensorweave CLI', () => {
  it('lists every template and writes one that validates', async () => {
    const dir = await tempDir('tw-cli-');
    const list = await cli(['templates']);
    expect(list.code).toBe(0);
    for (const t of templates) expect(list.stdout).toContain(t.id);

    const file = path.join(dir, 'my.graph.json');
    expect((await cli(['new', 'shapes-segmentation', file])).code).toBe(0);
    const again = await cli(['new', 'shapes-segmentation', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    const valid = await cli(['validate', file]);
    expect(valid.code).toBe(0);
    expect(valid.stdout).toMatch(/ok — \d+ nodes/);
    const unknown = await cli(['new', 'no-such-template', path.join(dir, 'x.json')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('shapes-segmentation');
  });

  it('validate exits 1 with every error on its own line, naming node and param', async () => {
    const dir = await tempDir('tw-cli-');
    const graph = tinyRegressor();
    (graph.nodes.find((n) => n.id === 'conv1')!.params as Record<string, unknown>).kernelSize = 0;
    graph.nodes.find((n) => n.id === 'conv2')!.type = 'conv2dd';
    graph.edges.push({ from: { node: 'ghost', port: 'output' }, to: { node: 'mse', port: 'input' } });
    const file = path.join(dir, 'broken.graph.json');
    await fs.writeFile(file, serializeGraph(graph));
    const result = await cli(['validate', file]);
    expect(result.code).toBe(1);
    const errorLines = result.stdout.split('\n').filter((l) => l.includes('error:'));
    expect(errorLines.length).toBeGreaterThanOrEqual(3);
    expect(errorLines.some((l) => l.includes('conv1') && l.includes('kernelSize'))).toBe(true);
    expect(errorLines.some((l) => l.includes("'conv2dd'") && l.includes('conv2d'))).toBe(true);
    expect(errorLines.some((l) => l.includes('ghost'))).toBe(true);

    await fs.writeFile(file, '{ "format": "tensorweave.graph", ');
    const notJson = await cli(['validate', file]);
    expect(notJson.code).toBe(1);
    expect(notJson.stdout).toMatch(/JSON/i);
  });

  it('info prints output shapes, parameter counts and FLOPs per node', async () => {
    const dir = await tempDir('tw-cli-');
    const file = path.join(dir, 'tiny.graph.json');
    await fs.writeFile(file, serializeGraph(tinyRegressor()));
    const result = await cli(['info', file]);
    expect(result.code).toBe(0);
    const conv1 = result.stdout.split('\n').find((l) => l.startsWith('conv1 '))!;
    // 3×3 conv, 1 → 4 channels, with bias: 36 + 4 parameters; 16×16×4 outputs × 9 taps × 2.
    expect(conv1).toMatch(/\b40\b/);
    expect(conv1).toContain('N×16×16×4');
    expect(conv1).toMatch(/18\.4kFLOP/);
    expect(result.stdout).toMatch(/parameters/);
  });

  it('train prints the backend and why, plain progress lines off a TTY, and writes the run folder; resume continues', async () => {
    const dir = await tempDir('tw-cli-');
    const file = path.join(dir, 'tiny.graph.json');
    await fs.writeFile(file, serializeGraph(tinyRegressor({ steps: 6 })));
    const out = path.join(dir, 'runs');
    const first = await cli(['train', file, '--steps', '4', '--log-every', '2', '--out', out, '--name', 'r1', '--backend', 'wasm']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^backend: wasm — .+/m);
    expect(first.stdout).toMatch(/^step 2\/4 .*mse [\d.]+ .*steps\/s .*ETA/m);
    expect(first.stdout).toMatch(/^step 4\/4 /m);
    const runDir = path.join(out, 'r1');
    expect((await fs.readdir(runDir)).sort()).toEqual(expect.arrayContaining(['checkpoints', 'events.jsonl', 'graph.json', 'run.json']));

    const resumed = await cli(['train', '--resume', runDir, '--steps', '6', '--log-every', '2', '--backend', 'wasm']);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('resuming at step 4');
    const lines = (await fs.readFile(path.join(runDir, 'events.jsonl'), 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).step)).toEqual([2, 4, 6]);

    const bad = await cli(['train', file, '--steps', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--steps');
  });
});
