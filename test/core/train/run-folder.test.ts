/** The run folder's layout, as the trainer writes it and the hosts read it back. */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { library } from '../../library';
import {
  checkpointName,
  createRunFolder,
  effectiveStatus,
  parseCheckpointName,
  parsePreviewFileName,
  previewFileName,
  rankingMetric,
  RunFolder,
  type RunRecord,
} from '../../../core/train/run-folder';
import { loadGraph } from '../../../core/graph/load';
import { tempDir, tinyRegressor, trainInProcess } from './helpers';

/** A pid that surely belongs to no process: one that just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid!;
}

describe('run folder names', () => {
  it('builds and parses checkpoint and preview names, node ids with dashes included', () => {
    expect(checkpointName(100)).toBe('step-0000100');
    expect(parseCheckpointName('step-0000100')).toBe(100);
    expect(parseCheckpointName('step-0000100.tmp-12')).toBeUndefined();
    const name = previewFileName(40, 'G-up-1', 'output');
    expect(name).toBe('step-0000040-G-up-1-output.png');
    expect(parsePreviewFileName(name)).toEqual({ step: 40, nodeId: 'G-up-1', port: 'output' });
    expect(parsePreviewFileName('notes.txt')).toBeUndefined();
  });

  it('adds a suffix when a run name is taken', async () => {
    const out = await tempDir();
    const a = await createRunFolder(out, 'r');
    const b = await createRunFolder(out, 'r');
    expect([a.id, b.id]).toEqual(['r', 'r-1']);
  });
});

describe('run status as readers see it', () => {
  it('reports a run left running by a dead process as crashed, a live one as running, another machine’s as recorded', () => {
    expect(effectiveStatus({ status: 'running', pid: deadPid(), hostname: os.hostname() })).toBe('crashed');
    expect(effectiveStatus({ status: 'running', pid: process.pid, hostname: os.hostname() })).toBe('running');
    expect(effectiveStatus({ status: 'running', pid: deadPid(), hostname: `not-${os.hostname()}` })).toBe('running');
    expect(effectiveStatus({ status: 'stopped', pid: deadPid(), hostname: os.hostname() })).toBe('stopped');
    // Records from before pids were written cannot be checked.
    expect(effectiveStatus({ status: 'running' })).toBe('running');
  });

  it('marks a killed run synchronously, and only a running one', async () => {
    const folder = await createRunFolder(await tempDir(), 'k');
    const record = { format: 'tensorweave.run', status: 'running', step: 3 } as RunRecord;
    await folder.writeRecord(record);
    folder.writeRecordSync({ ...record, status: 'killed' });
    expect((await folder.readRecord()).status).toBe('killed');
    expect(await folder.markEnded('failed', 'late')).toBe(false);
    expect((await folder.readRecord()).status).toBe('killed');
    // No temporary files are left behind.
    expect(await fs.readdir(folder.dir)).toEqual(['run.json']);
  });
});

describe('checkpoint pruning', () => {
  it('ranks checkpoints by mask AP, else box AP, else any AP; without one there is no best', () => {
    expect(rankingMetric({ 'bbox/AP': 0.5, 'segm/AP': 0.4, 'segm/AP50': 0.9 })).toEqual({ metric: 'segm/AP', value: 0.4 });
    expect(rankingMetric({ 'bbox/AP50': 0.7, 'bbox/AP': 0.3 })).toEqual({ metric: 'bbox/AP', value: 0.3 });
    expect(rankingMetric({ 'heads/bbox/AP': 0.3, 'heads/segm/AP': 0.2, 'heads/segm/AP75': 0.1 })).toEqual({ metric: 'heads/segm/AP', value: 0.2 });
    expect(rankingMetric({ accuracy: 0.9 })).toBeUndefined();
  });

  it('keeps the newest N and the protected (best) one; 0 keeps all', async () => {
    const folder = await createRunFolder(await tempDir(), 'p');
    for (const step of [10, 20, 30, 40, 50]) await fs.mkdir(folder.checkpointDir(step), { recursive: true });
    await fs.mkdir(`${folder.checkpointDir(60)}.tmp-1`);
    expect(await folder.pruneCheckpoints(0)).toEqual([]);
    const removed = await folder.pruneCheckpoints(2, [20]);
    expect(removed.map((d) => path.basename(d))).toEqual(['step-0000010', 'step-0000030']);
    expect((await folder.listCheckpoints()).map((c) => c.step)).toEqual([20, 40, 50]);
    expect(await folder.latestCheckpoint()).toBe(folder.checkpointDir(50));
  });
});

describe('the trainer writes through the run folder', () => {
  it('prunes to --keep-checkpoints, records the effective steps in graph.json, and --more-steps counts from the checkpoint', async () => {
    const out = await tempDir();
    const graph = tinyRegressor({ steps: 50 });
    graph.training.checkpointEvery = 1;
    await trainInProcess(graph, { outDir: out, runName: 'k', backend: 'wasm', steps: 5, keepCheckpoints: 2 });
    const folder = new RunFolder(path.join(out, 'k'));
    expect((await folder.listCheckpoints()).map((c) => c.step)).toEqual([4, 5]);
    const trained = loadGraph(await folder.readGraphText(), library).graph!;
    expect(trained.training.steps).toBe(5);
    const record = await folder.readRecord();
    expect(record).toMatchObject({ status: 'completed', step: 5, settings: { steps: 5, keepCheckpoints: 2 }, pid: process.pid });

    const more = await trainInProcess(undefined, { outDir: out, resume: folder.dir, backend: 'wasm', moreSteps: 3 });
    expect(more.at(-1)).toMatchObject({ type: 'done', step: 8, reason: 'completed' });
    expect(loadGraph(await folder.readGraphText(), library).graph!.training.steps).toBe(8);
    expect((await folder.listCheckpoints()).map((c) => c.step)).toEqual([7, 8]);

    const back = await trainInProcess(undefined, { outDir: out, resume: folder.dir, backend: 'wasm', steps: 6 });
    expect(back.at(-1)).toMatchObject({ type: 'error', code: 'invalid-command' });
    expect((back.at(-1) as { message: string }).message).toMatch(/already at step 8.*moreSteps/);
    expect((await folder.readRecord()).status).toBe('completed');
  });
});
