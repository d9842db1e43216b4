/**
 * What the run history reads from a run folder beyond its logged curves: how
 * the run was configured, its latest pictures, and the end the host records
 * for a run whose trainer died.
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { encodePng } from '../../../core/data/png';
import { createAppHandlers, markRunCrashed, type AppHandlers } from '../../../core/host/handlers';
import type { RunRecord } from '../../../core/train/trainer';
import { library } from '../../library';

let workspace: string;
let handlers: AppHandlers;

const record = (extra: Partial<RunRecord> & Record<string, unknown> = {}): RunRecord => ({
  format: 'tensorweave.run',
  version: 1,
  id: 'r1',
  graphName: 'tiny',
  graphHash: 'abc',
  seed: 7,
  backend: 'wasm',
  backendReason: 'wasm: native TensorFlow is not installed',
  settings: { steps: 100, batchSize: 4, logEvery: 2, previewEvery: 5, checkpointEvery: 50 },
  startedAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:01.000Z',
  status: 'completed',
  step: 100,
  ...extra,
});

async function writeRun(id: string, run: RunRecord, events: object[] = []): Promise<string> {
  const dir = path.join(workspace, 'runs', id);
  await fs.mkdir(path.join(dir, 'previews'), { recursive: true });
  await fs.writeFile(path.join(dir, 'run.json'), JSON.stringify(run));
  await fs.writeFile(path.join(dir, 'graph.json'), '{}\n');
  await fs.writeFile(path.join(dir, 'events.jsonl'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return dir;
}

const picture = (width: number, height: number) => encodePng(new Uint8Array(width * height * 4).fill(200), width, height);

beforeEach(async () => {
  workspace = await fs.mkdtemp(path.join(os.tmpdir(), 'tw-runs-'));
  handlers = createAppHandlers({
    library,
    workspace,
    runsDir: path.join(workspace, 'runs'),
    recentFile: path.join(workspace, 'recent.json'),
    recoveryFile: path.join(workspace, 'recovery.json'),
  });
});

describe('reading a run', () => {
  it('returns its settings and seed, and the pictures of its latest preview step only', async () => {
    // Settings a newer trainer records (evalEvery) are left out, not refused.
    const dir = await writeRun('r1', record({ settings: { steps: 100, batchSize: 4, logEvery: 2, previewEvery: 5, checkpointEvery: 50, evalEvery: 10 } as RunRecord['settings'] }));
    await fs.writeFile(path.join(dir, 'previews', 'step-0000005-data-image.png'), picture(3, 2));
    await fs.writeFile(path.join(dir, 'previews', 'step-0000010-data-image.png'), picture(5, 4));
    await fs.writeFile(path.join(dir, 'previews', 'step-0000010-dec-out-output.png'), picture(6, 4));
    await fs.writeFile(path.join(dir, 'previews', 'notes.txt'), 'not a picture');

    const run = await handlers.readRun({ runId: 'r1' });
    expect(run.details).toEqual({
      seed: 7,
      backendReason: 'wasm: native TensorFlow is not installed',
      settings: { steps: 100, batchSize: 4, logEvery: 2, previewEvery: 5, checkpointEvery: 50 },
      updatedAt: '2026-01-01T00:00:01.000Z',
    });
    expect(run.previews?.step).toBe(10);
    expect(run.previews?.images.map(({ nodeId, port, width, height }) => ({ nodeId, port, width, height }))).toEqual([
      { nodeId: 'data', port: 'image', width: 5, height: 4 },
      // Node ids may hold '-'; the port is what follows the last one.
      { nodeId: 'dec-out', port: 'output', width: 6, height: 4 },
    ]);
    expect(Buffer.from(run.previews!.images[0].pngBase64, 'base64').equals(picture(5, 4))).toBe(true);
  });

  it('has no details or pictures for a record without them', async () => {
    await writeRun('bare', { ...record(), seed: undefined, backendReason: undefined } as unknown as RunRecord);
    const run = await handlers.readRun({ runId: 'bare' });
    expect(run.details).toBeUndefined();
    expect(run.previews).toBeUndefined();
  });
});

describe('a run’s metrics', () => {
  it('reads metrics.jsonl in step order, the last line of a re-measured step winning, skipping broken lines', async () => {
    const dir = await writeRun('measured', record());
    const line = (step: number, ap50: number) => `${JSON.stringify({ step, time: 1_700_000_000 + step, split: 'val', metrics: { 'segm/AP50': ap50, 'bbox/AP': ap50 / 2 }, seconds: 2.5 })}\n`;
    // A run stopped after step 40 and continued from its checkpoint at 20 measures 40 again.
    await fs.writeFile(path.join(dir, 'metrics.jsonl'), [line(20, 0.1), line(40, 0.2), '{"step":"x"}\n', 'not json\n', line(40, 0.25), '{"step":60,"metr'].join(''));
    const run = await handlers.readRun({ runId: 'measured' });
    expect(run.metrics).toEqual([
      { step: 20, metrics: { 'segm/AP50': 0.1, 'bbox/AP': 0.05 } },
      { step: 40, metrics: { 'segm/AP50': 0.25, 'bbox/AP': 0.125 } },
    ]);
  });

  it('has none for a run without metrics.jsonl or with an empty one', async () => {
    await writeRun('plain', record());
    expect((await handlers.readRun({ runId: 'plain' })).metrics).toBeUndefined();
    const dir = await writeRun('empty', record());
    await fs.writeFile(path.join(dir, 'metrics.jsonl'), '');
    expect((await handlers.readRun({ runId: 'empty' })).metrics).toBeUndefined();
  });
});

describe('a run whose trainer died', () => {
  it('is recorded as failed at the last step it logged, with the reason', async () => {
    const dir = await writeRun('dead', record({ status: 'running', step: 0 }), [
      { step: 2, time: 1, losses: { l: 1 }, totals: {}, lr: {}, stepsPerSec: 1 },
      { step: 4, time: 2, losses: { l: 1 }, totals: {}, lr: {}, stepsPerSec: 1 },
    ]);
    await fs.appendFile(path.join(dir, 'events.jsonl'), '{"step":6,"ti');
    await markRunCrashed(dir, 'the trainer stopped unexpectedly (killed by SIGKILL)');
    const [summary] = await handlers.listRuns({});
    expect(summary).toMatchObject({ runId: 'dead', status: 'failed', step: 4 });
    expect((await handlers.readRun({ runId: 'dead' })).details?.error).toBe('the trainer stopped unexpectedly (killed by SIGKILL)');
  });

  it('leaves a run that ended by itself as it is', async () => {
    const dir = await writeRun('done', record());
    const before = await fs.readFile(path.join(dir, 'run.json'), 'utf8');
    await markRunCrashed(dir, 'late');
    await markRunCrashed(path.join(workspace, 'runs', 'missing'), 'no folder');
    expect(await fs.readFile(path.join(dir, 'run.json'), 'utf8')).toBe(before);
  });

  it('reads as crashed when run.json still says running but its process is gone', async () => {
    const pid = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeRun('stale', record({ status: 'running', step: 40, pid, hostname: os.hostname() }));
    await writeRun('live', record({ status: 'running', step: 40, pid: process.pid, hostname: os.hostname() }));
    const summaries = await handlers.listRuns({});
    expect(summaries.find((s) => s.runId === 'stale')?.status).toBe('crashed');
    expect(summaries.find((s) => s.runId === 'live')?.status).toBe('running');
    expect((await handlers.readRun({ runId: 'stale' })).summary.status).toBe('crashed');
  });
});
