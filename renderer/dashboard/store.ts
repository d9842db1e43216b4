/**
 * The training dashboard's state: the run being trained (fed by the
 * trainer's events, a frame's worth at a time), the settings of the next run,
 * the run history and what the plots show. Plain zustand without React, so
 * tests drive it directly; the controller connects it to the host.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppResponse } from '../../core/contract/app-api';
import type { TrainerEvent, TrainerEventOf } from '../../core/contract/messages';
import { loadGraph } from '../../core/graph/load';
import type { Problem } from '../../core/graph/problems';
import type { GraphDocument } from '../../core/graph/schema';
import { registries } from '../editor/catalog';
import { appendMetrics, type MetricPoint } from './metrics';
import { appendEvent, bestStep, emptySeries, seriesFromEvents, type BestStep, type RunSeries } from './series';

export type RunSummary = AppResponse<'listRuns'>[number];
export type RunDetails = NonNullable<AppResponse<'readRun'>['details']>;
export type BackendPreference = 'auto' | 'wasm' | 'cpu' | 'node' | 'node-gpu';

export type RunPhase = 'starting' | 'running' | 'paused' | 'completed' | 'stopped' | 'failed';
export const ACTIVE_PHASES: readonly RunPhase[] = ['starting', 'running', 'paused'];

export interface PreviewPicture {
  nodeId: string;
  port: string;
  title: string;
  width: number;
  height: number;
  /** A data: URL, made once when the event arrives. */
  src: string;
}

export interface PreviewFrame {
  step: number;
  images: PreviewPicture[];
}

export interface TrainingFailure {
  code: TrainerEventOf<'error'>['code'] | 'start';
  /** One line naming the cause. */
  title: string;
  message: string;
  step?: number;
  nodeId?: string;
  lossNode?: string;
  problems?: Problem[];
}

export interface LiveRun {
  /** '' until the host has answered startTraining. */
  sessionId: string;
  phase: RunPhase;
  /** A pause, resume or stop sent and not yet confirmed by the trainer. */
  pending?: 'pause' | 'resume' | 'stop';
  graphName: string;
  /** The graph as it was sent: the editor's may change while the run goes, the run's does not. */
  graph: GraphDocument;
  runId?: string;
  runDir?: string;
  startStep: number;
  step: number;
  totalSteps?: number;
  stepsPerSec: number;
  etaSec: number;
  seed?: number;
  batchSize?: number;
  backend?: { name: string; reason: string };
  lastCheckpoint?: number;
  series: RunSeries;
  /** Validation metrics in step order (graphs with an evaluable node); empty otherwise. */
  metrics: MetricPoint[];
  previews: PreviewFrame | null;
  /** Earlier pictures of this run, oldest first (the last PICTURE_HISTORY frames), for the step slider. */
  pictureHistory?: PreviewFrame[];
  error?: TrainingFailure;
  /** A run that finished with a loss blown up (finite, so the trainer did not stop it): not a success. */
  diverged?: Divergence;
  /** Events received, all kinds (the benchmark and tests read it). */
  events: number;
}

/** Values typed in the settings panel; absent means "as the graph says". */
export interface SettingsOverrides {
  steps?: number;
  /** Set instead of steps when the unit is epochs. */
  epochs?: number;
  batchSize?: number;
  seed?: number;
  logEvery?: number;
  previewEvery?: number;
  checkpointEvery?: number;
}

export interface OpenedRun {
  summary: RunSummary;
  details?: RunDetails;
  graphText: string;
  graphName: string;
  /** The graph the run trained, when its copy in the run folder reads. */
  graph?: GraphDocument;
  series: RunSeries;
  best?: BestStep;
  /** Its metrics.jsonl, in step order; empty when it measured nothing. */
  metrics: MetricPoint[];
  previews: PreviewFrame | null;
}

export type RunView = { kind: 'live' } | { kind: 'run'; runId: string };

export interface TrainingState {
  live: LiveRun | null;
  overrides: SettingsOverrides;
  stepUnit: 'steps' | 'epochs';
  backend: BackendPreference;
  /** What 'auto' chose last time, and why: shown before the next run starts. */
  lastBackend: { name: string; reason: string } | null;
  /** The problems that kept Run from starting anything. */
  refused: Problem[] | null;

  runs: RunSummary[];
  runsLoading: boolean;
  runsError: string | null;
  opened: Record<string, OpenedRun>;
  /** Whose curves, pictures and settings the panel shows. */
  view: RunView;
  /** Runs whose curves are drawn over the viewed one. */
  compare: string[];

  smoothing: number;
  logScale: boolean;
  panelOpen: boolean;
  panelHeight: number;
  tab: 'settings' | 'runs';
  /** A node the user points at in the dashboard (a picture's producer), highlighted on the canvas. */
  pointedNode: string | null;
}

export interface TrainingActions {
  /** A new run begins (before the host answers). */
  begin(graph: GraphDocument, graphName?: string, series?: RunSeries, metrics?: MetricPoint[]): void;
  setSession(sessionId: string): void;
  setPending(pending: LiveRun['pending'] | undefined): void;
  /** Applies a batch of trainer events in order, as one update. */
  receive(events: readonly TrainerEvent[]): void;
  failToStart(message: string): void;
  refuse(problems: Problem[] | null): void;

  /** Another graph was opened: its own training settings apply again. */
  resetOverrides(): void;
  setOverride<K extends keyof SettingsOverrides>(name: K, value: SettingsOverrides[K] | undefined): void;
  setStepUnit(unit: 'steps' | 'epochs'): void;
  setBackend(backend: BackendPreference): void;

  setRuns(runs: RunSummary[]): void;
  setRunsLoading(loading: boolean, error?: string | null): void;
  putOpened(runId: string, run: AppResponse<'readRun'>): OpenedRun;
  setView(view: RunView): void;
  toggleCompare(runId: string): void;
  clearCompare(): void;

  setSmoothing(weight: number): void;
  setLogScale(on: boolean): void;
  setPanel(update: Partial<Pick<TrainingState, 'panelOpen' | 'panelHeight' | 'tab'>>): void;
  pointAt(nodeId: string | null): void;
}

export type TrainingStore = StoreApi<TrainingState & TrainingActions>;

export const MAX_SMOOTHING = 0.99;
export const PANEL_MIN_HEIGHT = 220;

const LAST_BACKEND_KEY = 'tensorweave.lastBackend';

function readLastBackend(): TrainingState['lastBackend'] {
  try {
    const raw = globalThis.localStorage?.getItem(LAST_BACKEND_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as { name?: unknown; reason?: unknown };
    return typeof parsed.name === 'string' && typeof parsed.reason === 'string' ? { name: parsed.name, reason: parsed.reason } : null;
  } catch {
    return null;
  }
}

function saveLastBackend(backend: { name: string; reason: string }): void {
  try {
    globalThis.localStorage?.setItem(LAST_BACKEND_KEY, JSON.stringify(backend));
  } catch {
    // Without storage the choice is still shown for this session.
  }
}

/** Frames kept for the step slider: pictures are small PNGs, so this is a few megabytes at most. */
export const PICTURE_HISTORY = 60;

export function pictureFrame(step: number, images: TrainerEventOf<'preview'>['images']): PreviewFrame {
  return {
    step,
    images: images.map(({ nodeId, port, title, width, height, pngBase64 }) => ({ nodeId, port, title, width, height, src: `data:image/png;base64,${pngBase64}` })),
  };
}

/** The one-line cause of a failure, by code; the node is named where the trainer named one. */
export function failureTitle(event: Pick<TrainerEventOf<'error'>, 'code' | 'nodeId' | 'lossNode' | 'step'>): string {
  const at = event.step !== undefined ? ` at step ${event.step}` : '';
  switch (event.code) {
    case 'non-finite':
      return `The loss became NaN or infinite${at}${event.nodeId ? ` — first in node '${event.nodeId}'` : ''}${event.lossNode && event.lossNode !== event.nodeId ? ` (loss '${event.lossNode}')` : ''}`;
    case 'out-of-memory':
      return `Out of memory${at}: lower the batch size or the image size`;
    case 'crashed':
      return 'The trainer process crashed';
    case 'invalid-graph':
      return 'The trainer refused the graph';
    case 'invalid-command':
      return 'The trainer refused the settings';
    case 'backend':
      return 'The compute backend could not start';
    case 'dataset':
      return 'The dataset could not be read';
    case 'internal':
      return `Training failed${at}${event.nodeId ? ` in node '${event.nodeId}'` : ''}`;
  }
}

export interface Divergence {
  kind: 'loss' | 'total';
  /** Loss node id, or optimizer id for a total. */
  id: string;
  from: number;
  to: number;
  step: number;
}

/** A loss ending this many times larger than it began has exploded. */
export const DIVERGENCE_FACTOR = 1e3;

/**
 * The first loss (or optimizer total) that ended far above where it began:
 * the median of its last three logged values (so one noisy step at the end
 * decides nothing) over its first logged value (an exploding run may blow up
 * at its second step). Small absolute values (a loss going from 1e-6 to
 * 0.01) are not called an explosion.
 */
export function divergence(series: RunSeries): Divergence | undefined {
  const median3 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  for (const curve of series.curves) {
    if (curve.kind === 'lr') continue;
    const values = curve.values.filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length < 2) continue;
    const from = values[0];
    const to = median3(values.slice(-Math.min(3, values.length - 1)));
    if (Math.abs(to) > 10 && Math.abs(to) > DIVERGENCE_FACTOR * Math.abs(from)) {
      return { kind: curve.kind, id: curve.id, from, to, step: series.steps[series.steps.length - 1] ?? 0 };
    }
  }
  return undefined;
}

const short = (x: number) => (Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(1) : String(Number(x.toPrecision(3))));

/** One line for a diverged run. */
export function divergenceTitle(d: Divergence): string {
  const what = d.kind === 'loss' ? `loss '${d.id}'` : `optimizer '${d.id}'s total loss`;
  return `Training diverged: ${what} grew from ${short(d.from)} to ${short(d.to)} by step ${d.step}; lower the learning rate`;
}

function applyEvent(run: LiveRun, event: TrainerEvent, onBackend: (b: { name: string; reason: string }) => void): LiveRun {
  switch (event.type) {
    case 'ready':
      return run;
    case 'backend':
      onBackend({ name: event.name, reason: event.reason });
      return { ...run, backend: { name: event.name, reason: event.reason } };
    case 'started':
      return {
        ...run,
        phase: run.phase === 'starting' ? 'running' : run.phase,
        runId: event.runId,
        runDir: event.runDir,
        startStep: event.startStep,
        step: event.startStep,
        totalSteps: event.totalSteps,
        seed: event.seed,
        batchSize: event.batchSize,
      };
    case 'progress':
      appendEvent(run.series, event);
      return { ...run, phase: run.phase === 'starting' ? 'running' : run.phase, step: event.step, totalSteps: event.totalSteps, stepsPerSec: event.stepsPerSec, etaSec: event.etaSec };
    case 'preview': {
      const frame = pictureFrame(event.step, event.images);
      return { ...run, previews: frame, pictureHistory: [...(run.pictureHistory ?? []).filter((f) => f.step < frame.step), frame].slice(-PICTURE_HISTORY) };
    }
    case 'checkpoint':
      return { ...run, lastCheckpoint: event.step };
    case 'metrics':
      // The table and curve show validation metrics; a training-split evaluation would mix with them under the same names.
      return event.split === 'val' ? { ...run, metrics: appendMetrics(run.metrics, { step: event.step, metrics: event.metrics }) } : run;
    case 'paused':
      return { ...run, phase: 'paused', step: event.step, pending: run.pending === 'pause' ? undefined : run.pending };
    case 'resumed':
      return { ...run, phase: 'running', step: event.step, pending: run.pending === 'resume' ? undefined : run.pending };
    case 'done': {
      const diverged = divergence(run.series);
      return {
        ...run,
        phase: event.reason === 'completed' ? 'completed' : 'stopped',
        step: event.step,
        runDir: event.runDir,
        pending: undefined,
        etaSec: 0,
        ...(diverged ? { diverged } : {}),
      };
    }
    case 'error':
      return {
        ...run,
        phase: 'failed',
        pending: undefined,
        error: {
          code: event.code,
          title: failureTitle(event),
          message: event.message,
          ...(event.step !== undefined ? { step: event.step } : {}),
          ...(event.nodeId !== undefined ? { nodeId: event.nodeId } : {}),
          ...(event.lossNode !== undefined ? { lossNode: event.lossNode } : {}),
          ...(event.problems ? { problems: event.problems as Problem[] } : {}),
        },
      };
    default:
      return run;
  }
}

export function isActive(run: Pick<LiveRun, 'phase'> | null | undefined): boolean {
  return !!run && ACTIVE_PHASES.includes(run.phase);
}

export function createTrainingStore(): TrainingStore {
  return createStore<TrainingState & TrainingActions>()((set, get) => ({
    live: null,
    overrides: {},
    stepUnit: 'steps',
    backend: 'auto',
    lastBackend: readLastBackend(),
    refused: null,
    runs: [],
    runsLoading: false,
    runsError: null,
    opened: {},
    view: { kind: 'live' },
    compare: [],
    smoothing: 0.6,
    logScale: false,
    panelOpen: false,
    panelHeight: 340,
    tab: 'settings',
    pointedNode: null,

    begin(graph, graphName = graph.name, series = emptySeries(), metrics = []) {
      set({
        live: { sessionId: '', phase: 'starting', graphName, graph, startStep: 0, step: series.steps.at(-1) ?? 0, stepsPerSec: 0, etaSec: 0, series, metrics, previews: null, events: 0 },
        refused: null,
        view: { kind: 'live' },
        panelOpen: true,
      });
    },
    setSession(sessionId) {
      const live = get().live;
      if (live) set({ live: { ...live, sessionId } });
    },
    setPending(pending) {
      const live = get().live;
      if (live) set({ live: { ...live, pending } });
    },
    receive(events) {
      let live = get().live;
      if (!live || events.length === 0) return;
      let backend: { name: string; reason: string } | undefined;
      for (const event of events) {
        // After its last word a run takes no more events (a late 'crashed' after 'done' is noise).
        if (!isActive(live)) break;
        live = applyEvent(live, event, (b) => (backend = b));
      }
      live = { ...live, events: live.events + events.length };
      if (backend) saveLastBackend(backend);
      set({ live, ...(backend ? { lastBackend: backend } : {}) });
    },
    failToStart(message) {
      const live = get().live;
      if (!live) return;
      set({ live: { ...live, phase: 'failed', pending: undefined, error: { code: 'start', title: 'Training could not start', message } } });
    },
    refuse(problems) {
      set({ refused: problems, ...(problems ? { panelOpen: true } : {}) });
    },

    resetOverrides() {
      if (Object.keys(get().overrides).length > 0 || get().stepUnit !== 'steps') set({ overrides: {}, stepUnit: 'steps' });
    },
    setOverride(name, value) {
      const overrides = { ...get().overrides };
      if (value === undefined) delete overrides[name];
      else overrides[name] = value;
      set({ overrides });
    },
    setStepUnit(unit) {
      set({ stepUnit: unit });
    },
    setBackend(backend) {
      set({ backend });
    },

    setRuns(runs) {
      // Forget opened runs that are gone, and re-read those whose record changed (a run that was still going).
      const opened: Record<string, OpenedRun> = {};
      for (const run of runs) {
        const cached = get().opened[run.runId];
        if (cached && cached.summary.step === run.step && cached.summary.status === run.status) opened[run.runId] = cached;
      }
      const known = new Set(runs.map((r) => r.runId));
      const view = get().view;
      set({
        runs,
        opened,
        runsLoading: false,
        runsError: null,
        compare: get().compare.filter((id) => known.has(id)),
        ...(view.kind === 'run' && !known.has(view.runId) ? { view: { kind: 'live' } as RunView } : {}),
      });
    },
    setRunsLoading(loading, error = null) {
      set({ runsLoading: loading, runsError: error });
    },
    putOpened(runId, run) {
      const series = seriesFromEvents(run.events);
      const graph = run.graphText ? loadGraph(run.graphText, registries).graph : undefined;
      const opened: OpenedRun = {
        summary: run.summary,
        ...(run.details ? { details: run.details } : {}),
        graphText: run.graphText,
        graphName: run.summary.graphName,
        ...(graph ? { graph } : {}),
        series,
        best: bestStep(series),
        metrics: run.metrics ?? [],
        previews: run.previews ? pictureFrame(run.previews.step, run.previews.images) : null,
      };
      set({ opened: { ...get().opened, [runId]: opened } });
      return opened;
    },
    setView(view) {
      set({ view, compare: view.kind === 'run' ? get().compare.filter((id) => id !== view.runId) : get().compare });
    },
    toggleCompare(runId) {
      const compare = get().compare;
      set({ compare: compare.includes(runId) ? compare.filter((id) => id !== runId) : [...compare, runId] });
    },
    clearCompare() {
      set({ compare: [] });
    },

    setSmoothing(weight) {
      set({ smoothing: Math.min(MAX_SMOOTHING, Math.max(0, weight)) });
    },
    setLogScale(on) {
      set({ logScale: on });
    },
    setPanel(update) {
      set({ ...update, ...(update.panelHeight !== undefined ? { panelHeight: Math.max(PANEL_MIN_HEIGHT, Math.round(update.panelHeight)) } : {}) });
    },
    pointAt(nodeId) {
      if (get().pointedNode !== nodeId) set({ pointedNode: nodeId });
    },
  }));
}
