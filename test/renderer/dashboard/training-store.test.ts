/**
 * The dashboard's store and controller against an in-memory host: Run's
 * validation, settings, session filtering, per-frame batching of trainer
 * events, failures, and the run history (list, open, compare, cache).
 */
import { describe, expect, it } from 'vitest';
import { parseAppResponse, type AppPush, type AppResponse } from '../../../core/contract/app-api';
import type { TrainerEvent } from '../../../core/contract/messages';
import { serializeGraph } from '../../../core/graph/serialize';
import { createEditorStore } from '../../../renderer/editor/editor-store';
import { createUiStore } from '../../../renderer/editor/ui-store';
import { followTrainingStatus, type TrainingStatus } from '../../../renderer/app/status';
import { revealNode } from '../../../renderer/services/view';
import { TrainingController } from '../../../renderer/dashboard/controller';
import { createTrainingStore } from '../../../renderer/dashboard/store';
import { shapeClassifier } from '../../../nodes/templates/classifier';
import { createFakeHost, type FakeHost } from '../fake-host';
import { installCatalog } from '../../../renderer/editor/catalog';
import { nodeLibrary } from '../../../nodes/library';

installCatalog(nodeLibrary);

type RunSummary = AppResponse<'listRuns'>[number];

const summary = (runId: string, extra: Partial<RunSummary> = {}): RunSummary => ({
  runId,
  runDir: `/ws/runs/${runId}`,
  graphName: 'Shapes classifier',
  graphHash: 'abc123',
  status: 'completed',
  step: 100,
  totalSteps: 100,
  startedAt: `2026-01-01T00:00:0${runId.length % 10}.000Z`,
  backend: 'wasm',
  ...extra,
});

const progress = (step: number, loss: number): TrainerEvent => ({
  type: 'progress',
  step,
  totalSteps: 100,
  time: step,
  losses: { bce: loss },
  totals: { adam: loss },
  lr: { adam: 1e-3 },
  stepsPerSec: 50,
  etaSec: (100 - step) / 50,
});

function setup() {
  const host = createFakeHost() as FakeHost;
  const runs = new Map<string, AppResponse<'readRun'>>();
  let listed: RunSummary[] = [];
  let reads = 0;
  let listings = 0;
  // The fake host knows no runs; these answer like the real host, checked against the contract.
  host.listRuns = async () => {
    listings++;
    await new Promise((resolve) => setTimeout(resolve, 1));
    return parseAppResponse('listRuns', listed);
  };
  host.readRun = async ({ runId }) => {
    reads++;
    const run = runs.get(runId);
    if (!run) throw new Error(`cannot read run '${runId}'`);
    return parseAppResponse('readRun', run);
  };
  const frames: (() => void)[] = [];
  const editor = createEditorStore(shapeClassifier.build(), { name: 'classifier.json', path: '/ws/classifier.json' });
  const store = createTrainingStore();
  // As in Electron, where exports go through the host's save dialog (the browser mode downloads them: test/e2e).
  const ui = createUiStore({ problemsOpen: false, hostKind: 'electron' });
  const controller = new TrainingController(host, editor, store, ui, {
    queue: { scheduler: { request: (callback) => frames.push(callback), cancel: () => undefined }, fallbackMs: 0 },
    reveal: (nodeId) => revealNode(editor, null, nodeId),
  });
  // What the status line shows: derived from the store, not mirrored.
  let status: TrainingStatus | null = null;
  followTrainingStatus(store, (next) => (status = next));
  let updates = 0;
  store.subscribe(() => updates++);
  const detach = controller.attach();
  return {
    host,
    editor,
    store,
    ui,
    status: () => status,
    controller,
    detach,
    runs,
    setListed: (list: RunSummary[]) => (listed = list),
    reads: () => reads,
    listings: () => listings,
    updates: () => updates,
    frame: () => frames.splice(0).forEach((callback) => callback()),
    push: (event: TrainerEvent, sessionId = 'session-1') => host.push({ channel: 'trainerEvent', sessionId, event } satisfies AppPush),
    calls: (channel: string) => host.calls.filter((c) => c.channel === channel),
  };
}

describe('Run', () => {
  it('starts nothing while the graph has errors, and lists them', async () => {
    const t = setup();
    const doc = t.editor.getState().doc;
    t.editor.getState().commit({ ...doc, nodes: doc.nodes.map((n) => (n.id === 'conv1' ? { ...n, params: { ...n.params, kernelSize: 99 } } : n)) });
    expect(await t.controller.start()).toBe(false);
    expect(t.calls('startTraining')).toHaveLength(0);
    expect(t.store.getState().live).toBeNull();
    expect(t.store.getState().refused?.some((p) => p.nodeId === 'conv1')).toBe(true);
    expect(t.ui.getState().problemsOpen).toBe(true);
  });

  it('refuses settings the trainer would refuse', async () => {
    const t = setup();
    t.store.getState().setOverride('batchSize', 0);
    expect(await t.controller.start()).toBe(false);
    expect(t.calls('startTraining')).toHaveLength(0);
    expect(t.store.getState().refused?.[0].message).toMatch(/^Batch size must be a whole number from 1 to 4,096; it is 0\./);
  });

  it('sends the graph with only the settings that differ from it', async () => {
    const t = setup();
    t.store.getState().setOverride('batchSize', 4);
    t.store.getState().setOverride('steps', 1500); // the graph's own value
    t.store.getState().setBackend('wasm');
    expect(await t.controller.start()).toBe(true);
    const [call] = t.calls('startTraining');
    expect((call.request as { settings: unknown }).settings).toEqual({ backend: 'wasm', batchSize: 4 });
    expect((call.request as { graphText: string }).graphText).toBe(serializeGraph(t.editor.getState().doc));
    expect(t.store.getState().live).toMatchObject({ sessionId: 'session-1', phase: 'starting', graphName: 'Shapes classifier' });
    // A second Run while one goes starts nothing.
    expect(await t.controller.start()).toBe(false);
    expect(t.calls('startTraining')).toHaveLength(1);
  });

  it('forgets typed settings when another graph is opened', () => {
    const t = setup();
    t.store.getState().setOverride('batchSize', 4);
    t.editor.getState().load(shapeClassifier.build(), { name: 'other.json' });
    expect(t.store.getState().overrides).toEqual({});
  });
});

describe('trainer events', () => {
  it('applies a frame’s worth of events in one store update, ignoring other sessions', async () => {
    const t = setup();
    await t.controller.start();
    t.push({ type: 'backend', name: 'wasm', reason: 'tfjs-node is not installed' });
    t.push({ type: 'started', runId: 'r1', runDir: '/ws/runs/r1', startStep: 0, totalSteps: 100, graphHash: 'abc', seed: 0, batchSize: 4 });
    for (let step = 1; step <= 500; step++) t.push(progress(step / 5, 1 / step));
    t.push(progress(99, 5), 'someone-else');
    const before = t.updates();
    t.frame();
    // 502 events, one update.
    expect(t.updates() - before).toBe(1);
    const live = t.store.getState().live!;
    expect(live).toMatchObject({ phase: 'running', runId: 'r1', step: 100, totalSteps: 100, backend: { name: 'wasm', reason: 'tfjs-node is not installed' }, events: 502 });
    expect(live.series.steps).toHaveLength(500);
    expect(live.series.byKey.get('loss:bce')!.values.at(-1)).toBeCloseTo(1 / 500, 12);
    expect(t.store.getState().lastBackend).toEqual({ name: 'wasm', reason: 'tfjs-node is not installed' });
    expect(t.status()).toMatchObject({ sessionId: 'session-1', phase: 'running', step: 100, totalSteps: 100 });
    expect(t.status()!.text).toMatch(/^Training · step 100\/100 · 50\.0 steps\/s/);
  });

  it('keeps events that arrive before the host answers, and plays them once the session is known', async () => {
    const t = setup();
    let answer: (value: { sessionId: string }) => void = () => undefined;
    t.host.startTraining = () => new Promise((resolve) => (answer = resolve));
    const starting = t.controller.start();
    t.push({ type: 'backend', name: 'cpu', reason: 'asked for' }, 'session-9');
    t.push({ type: 'backend', name: 'wasm', reason: 'not ours' }, 'session-8');
    answer({ sessionId: 'session-9' });
    await starting;
    t.frame();
    expect(t.store.getState().live!.backend).toEqual({ name: 'cpu', reason: 'asked for' });
  });

  it('pauses, resumes and stops through the host, following what the trainer confirms', async () => {
    const t = setup();
    await t.controller.start();
    t.push({ type: 'started', runId: 'r1', runDir: '/ws/runs/r1', startStep: 0, totalSteps: 100, graphHash: 'abc', seed: 0, batchSize: 4 });
    t.frame();
    await t.controller.togglePause();
    expect(t.store.getState().live!.pending).toBe('pause');
    t.push({ type: 'paused', step: 7 });
    t.frame();
    expect(t.store.getState().live).toMatchObject({ phase: 'paused', step: 7, pending: undefined });
    await t.controller.togglePause();
    t.push({ type: 'resumed', step: 7 });
    t.frame();
    expect(t.store.getState().live!.phase).toBe('running');
    await t.controller.stop();
    t.push({ type: 'done', step: 9, reason: 'stopped', runDir: '/ws/runs/r1' });
    t.frame();
    expect(t.store.getState().live).toMatchObject({ phase: 'stopped', step: 9 });
    expect(t.calls('controlTraining').map((c) => (c.request as { command: string }).command)).toEqual(['pause', 'resume', 'stop']);
    expect(t.status()!.phase).toBe('stopped');
  });

  it('reports a loss that exploded without becoming NaN as a divergence, not a completed run', async () => {
    const t = setup();
    await t.controller.start();
    t.push({ type: 'started', runId: 'r1', runDir: '/ws/runs/r1', startStep: 0, totalSteps: 100, graphHash: 'abc', seed: 0, batchSize: 4 });
    [0.7, 0.69, 0.71, 50, 3e4, 2e6, 4e6, 3e6].forEach((loss, i) => t.push(progress((i + 1) * 10, loss)));
    t.push({ type: 'done', step: 100, reason: 'completed', runDir: '/ws/runs/r1' });
    t.frame();
    const live = t.store.getState().live!;
    expect(live.phase).toBe('completed');
    expect(live.diverged).toMatchObject({ kind: 'loss', id: 'bce', from: 0.7, to: 3e6, step: 80 });
    expect(t.status()).toMatchObject({ phase: 'completed', diverged: true, text: "Training diverged: loss 'bce' grew from 0.7 to 3.0e+6 by step 80; lower the learning rate" });
    const texts = t.ui.getState().toasts.map((x) => x.text);
    expect(texts).toContain(t.status()!.text);
    expect(texts.some((x) => x.startsWith('Training completed'))).toBe(false);
  });

  it('calls a run whose loss fell, or rose only a little, completed', async () => {
    const t = setup();
    await t.controller.start();
    [0.7, 0.5, 0.3, 0.2, 0.9, 1.5].forEach((loss, i) => t.push(progress((i + 1) * 10, loss)));
    t.push({ type: 'done', step: 60, reason: 'completed', runDir: '/ws/runs/r1' });
    t.frame();
    expect(t.store.getState().live!.diverged).toBeUndefined();
    expect(t.status()!.text).toBe('Training completed at step 60/100');
    expect(t.ui.getState().toasts.map((x) => x.text)).toContain('Training completed: 60 steps.');
  });

  it('names a NaN’s node and selects it, leaving the graph as it was', async () => {
    const t = setup();
    const doc = t.editor.getState().doc;
    await t.controller.start();
    t.push(progress(10, 0.7));
    t.push({ type: 'error', code: 'non-finite', message: "loss 'bce' became NaN at step 12; the first node whose output is not finite is 'fc2'", step: 12, nodeId: 'fc2', lossNode: 'bce' });
    // A late word from the dying process is not news.
    t.push({ type: 'error', code: 'crashed', message: 'exit code 1' });
    t.frame();
    const live = t.store.getState().live!;
    expect(live.phase).toBe('failed');
    expect(live.error).toMatchObject({ code: 'non-finite', nodeId: 'fc2', title: "The loss became NaN or infinite at step 12 — first in node 'fc2' (loss 'bce')" });
    expect(live.series.steps).toEqual([10]);
    expect(t.editor.getState().selectedNodes).toEqual(['fc2']);
    expect(t.editor.getState().doc).toBe(doc);
    expect(t.status()!.phase).toBe('failed');
    expect(t.ui.getState().toasts.map((x) => x.text)).toContain(live.error!.title);
  });

  it('reports a crashed trainer and a host that refuses to start one', async () => {
    const t = setup();
    await t.controller.start();
    t.push({ type: 'error', code: 'crashed', message: 'the trainer stopped unexpectedly (killed by SIGKILL)' });
    t.frame();
    expect(t.store.getState().live!.error).toMatchObject({ code: 'crashed', title: 'The trainer process crashed' });

    t.host.startTraining = async () => {
      throw new Error('no trainer could be spawned');
    };
    expect(await t.controller.start()).toBe(false);
    expect(t.store.getState().live!.error).toMatchObject({ code: 'start', message: 'no trainer could be spawned' });
  });
});

describe('metrics', () => {
  const measured = (step: number, ap50: number, split: 'val' | 'train' = 'val'): TrainerEvent => ({
    type: 'metrics',
    step,
    split,
    metrics: { 'bbox/AP50': ap50 / 2, 'segm/AP50': ap50, 'segm/AP': ap50 / 3 },
    seconds: 1.5,
  });

  it('keeps the validation metrics of a live run in step order and exports them with the curves', async () => {
    const t = setup();
    await t.controller.start();
    t.push({ type: 'started', runId: 'r1', runDir: '/ws/runs/r1', startStep: 0, totalSteps: 100, graphHash: 'abc', seed: 0, batchSize: 4 });
    t.push(progress(10, 0.9));
    t.push(measured(10, 0.2));
    t.push(progress(20, 0.5));
    t.push(measured(20, 0.4));
    // Not the validation split: not mixed into the same names.
    t.push(measured(20, 0.9, 'train'));
    t.push(measured(25, 0.5));
    t.frame();
    const live = t.store.getState().live!;
    expect(live.metrics.map((m) => m.step)).toEqual([10, 20, 25]);
    expect(live.metrics[1].metrics['segm/AP50']).toBe(0.4);

    await t.controller.exportCsv();
    const [header, ...rows] = t.host.files.get('/ws/exports/r1-curves.csv')!.trim().split('\n');
    expect(header).toBe('step,time,steps_per_sec,bce,adam total,adam lr,segm/AP50,segm/AP,bbox/AP50');
    expect(rows).toEqual([
      `10,10,50,0.9,0.9,0.001,0.2,${0.2 / 3},0.1`,
      `20,20,50,0.5,0.5,0.001,0.4,${0.4 / 3},0.2`,
      // Evaluated at a step that logged no losses: a row of its own.
      `25,,,,,,0.5,${0.5 / 3},0.25`,
    ]);
  });

  it('shows an opened run’s metrics, and a continued run re-measures the steps after its checkpoint', async () => {
    const t = setup();
    t.setListed([summary('r1', { status: 'stopped', step: 30 })]);
    t.runs.set('r1', {
      summary: summary('r1', { status: 'stopped', step: 30 }),
      graphText: serializeGraph(shapeClassifier.build()),
      events: [10, 20, 30].map((step) => ({ step, time: step, losses: { bce: 1 / step }, totals: { adam: 1 / step }, lr: { adam: 1e-3 }, stepsPerSec: 20 })),
      details: { seed: 0, backendReason: 'wasm', settings: { steps: 100, batchSize: 4, logEvery: 10, previewEvery: 0, checkpointEvery: 20 }, updatedAt: '2026-01-01T00:00:00.000Z', latestCheckpoint: 'checkpoints/step-0000020' },
      metrics: [
        { step: 20, metrics: { 'segm/AP50': 0.3 } },
        { step: 30, metrics: { 'segm/AP50': 0.35 } },
      ],
    });
    await t.controller.refreshRuns();
    await t.controller.openRun('r1');
    expect(t.store.getState().opened.r1.metrics).toEqual([
      { step: 20, metrics: { 'segm/AP50': 0.3 } },
      { step: 30, metrics: { 'segm/AP50': 0.35 } },
    ]);

    expect(await t.controller.resumeRun('r1')).toBe(true);
    t.push({ type: 'started', runId: 'r1', runDir: '/ws/runs/r1', startStep: 20, totalSteps: 100, graphHash: 'abc', seed: 0, batchSize: 4 });
    t.push(measured(30, 0.6));
    t.frame();
    expect(t.store.getState().live!.metrics.map((m) => [m.step, m.metrics['segm/AP50']])).toEqual([
      [20, 0.3],
      [30, 0.6],
    ]);
    // The opened run keeps what its folder says.
    expect(t.store.getState().opened.r1.metrics[1].metrics['segm/AP50']).toBe(0.35);
  });

  it('has no metrics for a run that measured nothing', async () => {
    const t = setup();
    t.setListed([summary('plain')]);
    t.runs.set('plain', { summary: summary('plain'), graphText: '', events: [] });
    await t.controller.refreshRuns();
    expect((await t.controller.loadRun('plain'))?.metrics).toEqual([]);
  });
});

describe('runs store', () => {
  it('lists runs, opens one with its curves, best step, details and pictures, and reads it once', async () => {
    const t = setup();
    t.setListed([summary('r2'), summary('r1')]);
    t.runs.set('r1', {
      summary: summary('r1'),
      graphText: serializeGraph(shapeClassifier.build()),
      events: [1, 2, 3, 4, 5, 6].map((step) => ({ step: step * 10, time: step, losses: { bce: [0.9, 0.5, 0.3, 0.2, 0.25, 0.4][step - 1] }, totals: { adam: [0.9, 0.5, 0.3, 0.2, 0.25, 0.4][step - 1] }, lr: { adam: 1e-3 }, stepsPerSec: 20 })),
      details: { seed: 3, backendReason: 'wasm: no native TensorFlow', settings: { steps: 100, batchSize: 4, logEvery: 10, previewEvery: 50, checkpointEvery: 0 }, updatedAt: '2026-01-01T00:00:00.000Z' },
      previews: { step: 50, images: [{ nodeId: 'data', port: 'image', title: 'data.image', width: 2, height: 1, pngBase64: 'iVBORw0KGgo=' }] },
    });
    await t.controller.refreshRuns();
    expect(t.store.getState().runs.map((r) => r.runId)).toEqual(['r2', 'r1']);

    expect(await t.controller.openRun('r1')).toBe(true);
    const state = t.store.getState();
    expect(state.view).toEqual({ kind: 'run', runId: 'r1' });
    const opened = state.opened.r1;
    expect(opened.series.steps).toEqual([10, 20, 30, 40, 50, 60]);
    expect(opened.best).toMatchObject({ step: 40, key: 'total:adam' });
    expect(opened.details?.seed).toBe(3);
    expect(opened.graph?.name).toBe('Shapes classifier');
    expect(opened.previews).toEqual({ step: 50, images: [expect.objectContaining({ nodeId: 'data', src: 'data:image/png;base64,iVBORw0KGgo=' })] });
    await t.controller.exportCsv();
    const exported = t.host.files.get('/ws/exports/r1-curves.csv')!;
    expect(exported.split('\n')[0]).toBe('step,time,steps_per_sec,bce,adam total,adam lr');

    // Reading again hits the cache; a refresh that shows the run changed drops it.
    await t.controller.openRun('r1');
    expect(t.reads()).toBe(1);
    t.setListed([summary('r2'), summary('r1', { step: 120, totalSteps: 200, status: 'running' })]);
    await t.controller.refreshRuns();
    expect(t.store.getState().opened.r1).toBeUndefined();
    await t.controller.openRun('r1');
    expect(t.reads()).toBe(2);

    // A run deleted from disk leaves the list, the comparison and the view.
    t.setListed([summary('r2')]);
    await t.controller.refreshRuns();
    expect(t.store.getState().view).toEqual({ kind: 'live' });
  });

  it('continues a stopped run from its checkpoint: its curve so far stays, replayed steps replace theirs', async () => {
    const t = setup();
    t.setListed([summary('r1', { status: 'stopped', step: 30 })]);
    t.runs.set('r1', {
      summary: summary('r1', { status: 'stopped', step: 30 }),
      graphText: serializeGraph(shapeClassifier.build()),
      events: [10, 20, 30].map((step) => ({ step, time: step, losses: { bce: 1 / step }, totals: { adam: 1 / step }, lr: { adam: 1e-3 }, stepsPerSec: 20 })),
      details: { seed: 0, backendReason: 'wasm', settings: { steps: 100, batchSize: 4, logEvery: 10, previewEvery: 0, checkpointEvery: 20 }, updatedAt: '2026-01-01T00:00:00.000Z', latestCheckpoint: 'checkpoints/step-0000020' },
    });
    await t.controller.refreshRuns();
    expect(await t.controller.resumeRun('r1')).toBe(true);
    const [call] = t.calls('startTraining');
    expect((call.request as { settings: unknown }).settings).toEqual({ backend: 'auto', resume: 'r1' });
    expect(t.store.getState().live!.series.steps).toEqual([10, 20, 30]);
    t.push({ type: 'started', runId: 'r1', runDir: '/ws/runs/r1', startStep: 20, totalSteps: 100, graphHash: 'abc', seed: 0, batchSize: 4 });
    t.push(progress(30, 0.01));
    t.frame();
    const live = t.store.getState().live!;
    expect(live.series.steps).toEqual([10, 20, 30]);
    expect(live.series.byKey.get('loss:bce')!.values).toEqual([0.1, 0.05, 0.01]);
    // The opened run's own curve is untouched.
    expect(t.store.getState().opened.r1.series.byKey.get('loss:bce')!.values).toEqual([0.1, 0.05, 1 / 30]);
  });

  it('ticks runs to compare at once, and unticks one that cannot be read', async () => {
    const t = setup();
    t.setListed([summary('ok'), summary('gone')]);
    t.runs.set('ok', { summary: summary('ok'), graphText: '', events: [] });
    await t.controller.refreshRuns();
    const ticking = t.controller.toggleCompare('ok');
    expect(t.store.getState().compare).toEqual(['ok']);
    await ticking;
    await t.controller.toggleCompare('gone');
    expect(t.store.getState().compare).toEqual(['ok']);
    expect(t.ui.getState().toasts.at(-1)?.text).toMatch(/^Could not open run gone: cannot read run 'gone'/);
    await t.controller.toggleCompare('ok');
    expect(t.store.getState().compare).toEqual([]);
  });

  it('shares one listing between overlapping refreshes and follows with one more', async () => {
    const t = setup();
    const settle = () => new Promise((resolve) => setTimeout(resolve, 20));
    await settle();
    const before = t.listings();
    await Promise.all([t.controller.refreshRuns(), t.controller.refreshRuns(), t.controller.refreshRuns()]);
    await settle();
    // The first asks; the two that overlap it wait for it, and one more listing picks up what changed meanwhile.
    expect(t.listings() - before).toBe(2);
  });
});
