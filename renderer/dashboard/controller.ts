/**
 * Connects the dashboard to the host and the editor: Run (validate first,
 * then start a trainer process), pause/resume/stop, the trainer's pushed
 * events (batched per frame into the store), the run history and exports.
 * The status line and the toolbar read the same store (app/status.ts).
 *
 * Training never touches the editor's document: a run trains a copy of the
 * graph's text, so a failure leaves the graph and its unsaved edits as they were.
 */
import type { AppPush, HostApi } from '../../core/contract/app-api';
import type { TrainerEvent } from '../../core/contract/messages';
import type { Problem } from '../../core/graph/problems';
import type { EditorStore } from '../editor/editor-store';
import type { UiStore } from '../editor/ui-store';
import { graphText } from '../app/files';
import { deliverFile } from '../services/downloads';
import { createFrameQueue, type FrameQueue, type FrameQueueOptions } from './frame-queue';
import { resolveSettings } from './settings';
import { cloneSeries, formatInteger, labelsFromGraph, seriesToCsv } from './series';
import { divergenceTitle, isActive, type LiveRun, type OpenedRun, type TrainingStore } from './store';

const message = (thrown: unknown) => (thrown instanceof Error ? thrown.message : String(thrown));

export function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '—';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function formatRate(stepsPerSec: number): string {
  if (!Number.isFinite(stepsPerSec) || stepsPerSec <= 0) return '—';
  return stepsPerSec >= 100 ? stepsPerSec.toFixed(0) : stepsPerSec >= 10 ? stepsPerSec.toFixed(1) : stepsPerSec.toFixed(2);
}

/** The status line's one sentence about a run. */
export function statusText(run: LiveRun): string {
  const of = run.totalSteps ? `${formatInteger(run.step)}/${formatInteger(run.totalSteps)}` : String(run.step);
  switch (run.phase) {
    case 'starting':
      return `Starting training of ${run.graphName}…`;
    case 'running':
      return `Training · step ${of} · ${formatRate(run.stepsPerSec)} steps/s · ETA ${formatEta(run.etaSec)}${run.backend ? ` · ${run.backend.name}` : ''}`;
    case 'paused':
      return `Paused at step ${of}`;
    case 'completed':
      return run.diverged ? divergenceTitle(run.diverged) : `Training completed at step ${of}`;
    case 'stopped':
      return run.diverged ? `Training stopped at step ${of} — ${divergenceTitle(run.diverged).replace(/^Training d/, 'd')}` : `Training stopped at step ${of}`;
    case 'failed':
      return run.error ? `${run.error.title}` : 'Training failed';
  }
}

export interface ControllerOptions {
  queue?: FrameQueueOptions;
  /** Shows a node the trainer named (selects it and brings it into view). */
  reveal?(nodeId: string): void;
}

export class TrainingController {
  private queue: FrameQueue<TrainerEvent>;
  /** Pushes that arrived before startTraining answered with the session id. */
  private early: AppPush[] = [];
  private refreshing: Promise<void> | undefined;
  private runsStale = false;

  constructor(
    readonly host: HostApi,
    readonly editor: EditorStore,
    readonly store: TrainingStore,
    readonly ui: UiStore,
    private readonly options: ControllerOptions = {},
  ) {
    this.queue = this.newQueue();
  }

  private newQueue(): FrameQueue<TrainerEvent> {
    return createFrameQueue<TrainerEvent>((events) => this.deliver(events), this.options.queue);
  }

  /** Subscribes to the host's pushes; returns the unsubscribe. */
  attach(): () => void {
    // React's strict mode attaches, detaches and attaches again: each attachment gets a working queue.
    this.queue.dispose();
    this.queue = this.newQueue();
    const stopPush = this.host.onPush((push) => this.receive(push));
    // Settings typed for one graph, and runs ticked to compare with it, do not carry over to another one opened after it.
    const stopLoads = this.editor.subscribe((state, previous) => {
      if (state.loadCount === previous.loadCount) return;
      this.store.getState().resetOverrides();
      this.store.getState().clearCompare();
    });
    void this.refreshRuns();
    return () => {
      stopPush();
      stopLoads();
      this.queue.dispose();
    };
  }

  /** Delivers queued events now (tests, and before reading the store in a command). */
  flushEvents(): void {
    this.queue.flush();
  }

  /** Run: checks the graph and the settings, and starts nothing when either is wrong. */
  async start(): Promise<boolean> {
    const state = this.store.getState();
    if (isActive(state.live)) {
      this.ui.getState().toast('info', 'Training is already running: stop it first (or pause it).');
      state.setPanel({ panelOpen: true });
      return false;
    }
    const { doc, analysis, file } = this.editor.getState();
    const errors = analysis.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      state.refuse(errors);
      this.ui.setState({ problemsOpen: true });
      this.ui.getState().toast('error', `Nothing started: fix the ${errors.length} error${errors.length === 1 ? '' : 's'} in the graph first.`);
      return false;
    }
    const resolved = resolveSettings(doc, state.overrides, state.stepUnit, state.backend);
    if (resolved.problems.length > 0) {
      state.refuse(resolved.problems.map((text): Problem => ({ severity: 'error', code: 'settings', message: text })));
      state.setPanel({ tab: 'settings' });
      this.ui.getState().toast('error', 'Nothing started: the run settings need fixing.');
      return false;
    }
    // Unusual settings do not block a run, but are said once more as it starts.
    const unusual = analysis.problems.find((p) => p.code === 'unusual-learning-rate');
    if (unusual) this.ui.getState().toast('info', `Starting anyway: ${unusual.message}`, undefined, 8000);
    this.early = [];
    this.queue.flush();
    state.begin(doc, doc.name || file.name);
    try {
      const { sessionId } = await this.host.startTraining({ graphText: graphText(doc), settings: resolved.request });
      this.adoptSession(sessionId);
      return true;
    } catch (thrown) {
      this.store.getState().failToStart(message(thrown));
      return false;
    }
  }

  /**
   * Continues a stopped or failed run from its latest checkpoint, in the same
   * run folder; its curves so far stay on the plot and the steps after the
   * checkpoint are replaced as they are trained again.
   */
  async resumeRun(runId: string): Promise<boolean> {
    const state = this.store.getState();
    if (isActive(state.live)) {
      this.ui.getState().toast('info', 'Training is already running: stop it first.');
      return false;
    }
    const run = await this.loadRun(runId);
    if (!run) return false;
    if (!run.graph || !run.details?.latestCheckpoint) {
      this.ui.getState().toast('error', `Run ${runId} cannot be continued: it has ${run.graph ? 'no checkpoint yet' : 'no readable graph'}.`);
      return false;
    }
    this.early = [];
    this.queue.flush();
    state.begin(run.graph, run.graphName, cloneSeries(run.series), run.metrics.slice());
    try {
      const { sessionId } = await this.host.startTraining({ graphText: run.graphText, settings: { backend: state.backend, resume: runId } });
      this.adoptSession(sessionId);
      return true;
    } catch (thrown) {
      this.store.getState().failToStart(message(thrown));
      return false;
    }
  }

  private adoptSession(sessionId: string): void {
    this.store.getState().setSession(sessionId);
    const early = this.early.filter((push) => push.sessionId === sessionId);
    this.early = [];
    for (const push of early) this.queue.push(push.event);
    void this.refreshRuns();
  }

  receive(push: AppPush): void {
    const live = this.store.getState().live;
    if (!live || !isActive(live)) return;
    if (!live.sessionId) {
      this.early.push(push);
      return;
    }
    if (push.sessionId !== live.sessionId) return;
    this.queue.push(push.event);
  }

  /** Applies a frame's worth of events as one store update, then reacts to how the run ended. */
  private deliver(events: TrainerEvent[]): void {
    const before = this.store.getState().live;
    this.store.getState().receive(events);
    const after = this.store.getState().live;
    if (!after || !before) return;
    if (!before.runId && after.runId) void this.refreshRuns();
    if (isActive(before) && !isActive(after)) this.finished(after);
  }

  private finished(run: LiveRun): void {
    void this.refreshRuns();
    if (run.diverged) this.ui.getState().toast('error', divergenceTitle(run.diverged));
    else if (run.phase === 'completed') this.ui.getState().toast('success', `Training completed: ${formatInteger(run.step)} steps.`);
    if (run.phase !== 'failed' || !run.error) return;
    this.ui.getState().toast('error', run.error.title);
    // The graph stays as it is; the node the trainer named is shown, not changed.
    if (run.error.nodeId) this.options.reveal?.(run.error.nodeId);
    if (run.error.problems?.length) this.ui.setState({ problemsOpen: true });
  }

  async togglePause(): Promise<void> {
    const live = this.store.getState().live;
    if (!live || !live.sessionId || (live.phase !== 'running' && live.phase !== 'paused')) return;
    const command = live.phase === 'paused' ? 'resume' : 'pause';
    this.store.getState().setPending(command);
    try {
      await this.host.controlTraining({ sessionId: live.sessionId, command });
    } catch (thrown) {
      this.store.getState().setPending(undefined);
      this.ui.getState().toast('error', `Could not ${command} training: ${message(thrown)}`);
    }
  }

  async stop(): Promise<void> {
    const live = this.store.getState().live;
    if (!live || !isActive(live)) return;
    this.store.getState().setPending('stop');
    // Stop pressed before the host answered: send it as soon as the session is known.
    let sessionId = live.sessionId;
    for (let i = 0; !sessionId && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      sessionId = this.store.getState().live?.sessionId ?? '';
    }
    if (!sessionId || !isActive(this.store.getState().live)) return;
    try {
      await this.host.controlTraining({ sessionId, command: 'stop' });
    } catch (thrown) {
      this.store.getState().setPending(undefined);
      this.ui.getState().toast('error', `Could not stop training: ${message(thrown)}`);
    }
  }

  /** Re-reads the run history; concurrent calls share one request and one follow-up. */
  refreshRuns(): Promise<void> {
    if (this.refreshing) {
      this.runsStale = true;
      return this.refreshing;
    }
    const state = this.store.getState();
    state.setRunsLoading(true);
    this.refreshing = (async () => {
      try {
        this.store.getState().setRuns(await this.host.listRuns({}));
      } catch (thrown) {
        this.store.getState().setRunsLoading(false, `Could not list the runs: ${message(thrown)}`);
      } finally {
        this.refreshing = undefined;
        if (this.runsStale) {
          this.runsStale = false;
          void this.refreshRuns();
        }
      }
    })();
    return this.refreshing;
  }

  /** Reads a run folder (once; again when its record changed) and returns it. */
  async loadRun(runId: string): Promise<OpenedRun | undefined> {
    const cached = this.store.getState().opened[runId];
    if (cached) return cached;
    try {
      const run = await this.host.readRun({ runId });
      return this.store.getState().putOpened(runId, run);
    } catch (thrown) {
      this.ui.getState().toast('error', `Could not open run ${runId}: ${message(thrown)}`);
      return undefined;
    }
  }

  /** Shows an old run's curves, pictures and settings in the panel. */
  async openRun(runId: string): Promise<boolean> {
    const run = await this.loadRun(runId);
    if (!run) return false;
    this.store.getState().setView({ kind: 'run', runId });
    this.store.getState().setPanel({ panelOpen: true });
    return true;
  }

  /** Ticks at once (the curves follow when the run is read); a run that cannot be read is unticked again. */
  async toggleCompare(runId: string): Promise<void> {
    const adding = !this.store.getState().compare.includes(runId);
    this.store.getState().toggleCompare(runId);
    if (adding && !(await this.loadRun(runId)) && this.store.getState().compare.includes(runId)) this.store.getState().toggleCompare(runId);
  }


  /** The CSV of the viewed run's curves: a download in the browser mode, a save dialog in Electron. */
  async exportCsv(): Promise<void> {
    const viewed = this.viewed();
    if (!viewed || viewed.series.steps.length === 0) {
      this.ui.getState().toast('info', 'Nothing to export yet: the run has logged no steps.');
      return;
    }
    await this.export(`${viewed.name}-curves.csv`, seriesToCsv(viewed.series, labelsFromGraph(viewed.graph), viewed.metrics), 'utf8');
  }

  async exportPng(pngBase64: string): Promise<void> {
    const viewed = this.viewed();
    await this.export(`${viewed?.name ?? 'run'}-curves.png`, pngBase64, 'base64');
  }

  private async export(name: string, data: string, encoding: 'utf8' | 'base64'): Promise<void> {
    await deliverFile(this.host, this.ui, name, data, encoding);
  }

  /** The run the panel shows: the live one, or one opened from the history. */
  viewed(): { name: string; series: OpenedRun['series']; metrics: OpenedRun['metrics']; graph?: OpenedRun['graph'] } | undefined {
    const state = this.store.getState();
    if (state.view.kind === 'run') {
      const run = state.opened[state.view.runId];
      return run ? { name: state.view.runId, series: run.series, metrics: run.metrics, ...(run.graph ? { graph: run.graph } : {}) } : undefined;
    }
    return state.live ? { name: state.live.runId ?? 'run', series: state.live.series, metrics: state.live.metrics, graph: state.live.graph } : undefined;
  }
}
