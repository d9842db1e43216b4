/**
 * The trainer off the caller's thread: a worker thread and a child process,
 * driven only through the typed contract.
 */
import { describe, expect, it } from 'vitest';
import { spawnTrainer, type TrainerHandle } from '../../../core/train/host';
import type { TrainerEvent } from '../../../core/contract/messages';
import { tempDir, tinyRegressor } from './helpers';

function collect(handle: TrainerHandle) {
  const events: TrainerEvent[] = [];
  const waiters: { test: (e: TrainerEvent) => boolean; resolve: (e: TrainerEvent) => void }[] = [];
  handle.onEvent((event) => {
    events.push(event);
    for (const w of [...waiters]) {
      if (w.test(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  const next = (test: (e: TrainerEvent) => boolean) =>
    new Promise<TrainerEvent>((resolve) => {
      const seen = events.find(test);
      if (seen) resolve(seen);
      else waiters.push({ test, resolve });
    });
  return { events, next };
}

describe('trainer host', () => {
  it('runs in a worker thread: progress, pause, resume, stop', async () => {
    const out = await tempDir();
    const handle = spawnTrainer('worker');
    const { events, next } = collect(handle);
    await next((e) => e.type === 'ready');
    handle.send({ type: 'start', graph: tinyRegressor({ steps: 100000 }), settings: { outDir: out, backend: 'wasm', runName: 'w' } });
    await next((e) => e.type === 'progress');
    handle.send({ type: 'pause' });
    const paused = (await next((e) => e.type === 'paused')) as Extract<TrainerEvent, { type: 'paused' }>;
    const countWhilePaused = events.filter((e) => e.type === 'progress').length;
    await new Promise((r) => setTimeout(r, 300));
    expect(events.filter((e) => e.type === 'progress').length).toBe(countWhilePaused);
    handle.send({ type: 'resume' });
    await next((e) => e.type === 'resumed');
    await next((e) => e.type === 'progress' && e.step > paused.step + 1);
    handle.send({ type: 'stop' });
    const done = await next((e) => e.type === 'done');
    expect(done).toMatchObject({ reason: 'stopped' });
    expect(await handle.exited).toBe(0);
    expect(events.some((e) => e.type === 'error')).toBe(false);
  });

  it('keeps paused time out of steps/s and the ETA', async () => {
    const out = await tempDir();
    const handle = spawnTrainer('worker');
    const { events, next } = collect(handle);
    await next((e) => e.type === 'ready');
    handle.send({ type: 'start', graph: tinyRegressor({ steps: 100000 }), settings: { outDir: out, backend: 'wasm', runName: 'eta' } });
    await next((e) => e.type === 'progress' && e.step >= 3);
    handle.send({ type: 'pause' });
    const paused = (await next((e) => e.type === 'paused')) as Extract<TrainerEvent, { type: 'paused' }>;
    const pauseSec = 1.5;
    await new Promise((r) => setTimeout(r, pauseSec * 1000));
    handle.send({ type: 'resume' });
    // The first step logged after the pause (logEvery 1: its window spans the pause).
    const after = (await next((e) => e.type === 'progress' && e.step === paused.step + 1)) as Extract<TrainerEvent, { type: 'progress' }>;
    handle.send({ type: 'stop' });
    await next((e) => e.type === 'done');
    await handle.exited;
    // Counted with the pause, one step would take over 1.5 s: under 0.67 steps/s and an ETA of 1.5 s per remaining step.
    expect(after.stepsPerSec).toBeGreaterThan(2 / pauseSec);
    expect(after.etaSec).toBeLessThan(((100000 - after.step) * pauseSec) / 2);
    expect(events.some((e) => e.type === 'error')).toBe(false);
  });

  it('answers an invalid command with an error that names the field', async () => {
    const handle = spawnTrainer('worker');
    const { next } = collect(handle);
    await next((e) => e.type === 'ready');
    handle.send({ type: 'start', graph: {}, settings: { outDir: '' } } as never);
    const error = await next((e) => e.type === 'error');
    expect(error).toMatchObject({ code: 'invalid-command' });
    expect((error as { message: string }).message).toContain('outDir');
    await handle.terminate();
  });

  it('reports a trainer process that dies as a crash, keeping the events so far', async () => {
    const out = await tempDir();
    const handle = spawnTrainer('process');
    const { events, next } = collect(handle);
    await next((e) => e.type === 'ready');
    handle.send({ type: 'start', graph: tinyRegressor({ steps: 100000 }), settings: { outDir: out, backend: 'wasm', runName: 'crash' } });
    await next((e) => e.type === 'progress');
    process.kill(handle.pid!, 'SIGKILL');
    const crash = await next((e) => e.type === 'error');
    expect(crash).toMatchObject({ code: 'crashed' });
    expect((crash as { message: string }).message).toMatch(/SIGKILL/);
    expect(events.filter((e) => e.type === 'progress').length).toBeGreaterThan(0);
  });
});
