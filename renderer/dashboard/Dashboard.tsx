/**
 * The training panel under the canvas: Run / pause / stop with progress,
 * speed, ETA and the backend; the settings of the next run and the run
 * history; live loss and learning-rate plots; sample pictures; and, when a
 * run fails or Run is refused, what went wrong and where.
 */
import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { useEditor, useServices, useUi } from '../services/context';
import { useRevealNode } from '../services/view';
import { formatEta, formatRate } from './controller';
import { TrainingContext, useTraining, useTrainingController } from './context';
import { MetricsView } from './MetricsView';
import { Pictures } from './Pictures';
import { Plot, formatValue, type PlotHandle } from './Plot';
import { RunsList } from './RunsList';
import { bestStep, formatInteger, labelsFromGraph, type RunSeries } from './series';
import { SettingsForm } from './SettingsForm';
import { isActive, type LiveRun } from './store';
import { lossTraces, lrTraces, shortRunName, type TraceRun } from './traces';
import type { TrainingController } from './controller';
import './dashboard.css';

/** Least time between two redraws of the curves while a run streams. */
const PLOT_REDRAW_MS = 100;

/** `value`, changing at most once per `ms` (the newest value always arrives, at most `ms` late). */
function useThrottled<T>(value: T, ms: number): T {
  const [shown, setShown] = useState(value);
  const last = useRef(0);
  useEffect(() => {
    if (Object.is(value, shown)) return;
    const wait = last.current + ms - performance.now();
    const show = () => {
      last.current = performance.now();
      setShown(value);
    };
    if (wait <= 0) {
      show();
      return;
    }
    const timer = setTimeout(show, wait);
    return () => clearTimeout(timer);
  }, [value, shown, ms]);
  return shown;
}

/** Before this many points the lowest one says little. */
const MIN_POINTS_FOR_BEST = 8;

const PHASE_TEXT: Record<LiveRun['phase'], string> = {
  starting: 'Starting',
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  stopped: 'Stopped',
  failed: 'Failed',
};

export function TrainingDashboard({ controller, onOpenGraph }: { controller: TrainingController; onOpenGraph?(text: string, name: string): void }) {
  return (
    <TrainingContext.Provider value={controller}>
      <Panel onOpenGraph={onOpenGraph} />
    </TrainingContext.Provider>
  );
}

function Panel({ onOpenGraph }: { onOpenGraph?(text: string, name: string): void }) {
  const open = useTraining((s) => s.panelOpen);
  const height = useTraining((s) => s.panelHeight);
  const plotRef = useRef<PlotHandle>(null);
  return (
    <section className={`tw-train${open ? ' open' : ''}`} style={open ? { height } : undefined} aria-label="Training" data-testid="training-panel">
      {open && <ResizeGrip />}
      <Header plotRef={plotRef} />
      {open && (
        <div className="tw-train-body">
          <Side onOpenGraph={onOpenGraph} />
          <Charts plotRef={plotRef} />
          <ViewedPictures />
        </div>
      )}
    </section>
  );
}

/** Drag the top edge to give the plots more room (or the canvas). */
function ResizeGrip() {
  const setPanel = useTraining((s) => s.setPanel);
  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    const panel = e.currentTarget.parentElement;
    if (!panel) return;
    e.preventDefault();
    const startY = e.clientY;
    const startHeight = panel.getBoundingClientRect().height;
    const limit = (panel.parentElement?.getBoundingClientRect().height ?? window.innerHeight) - 120;
    const move = (m: PointerEvent) => setPanel({ panelHeight: Math.min(limit, startHeight + (startY - m.clientY)) });
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  return <div className="tw-train-grip" onPointerDown={onPointerDown} role="separator" aria-orientation="horizontal" title="Drag to resize" />;
}

function Header({ plotRef }: { plotRef: React.RefObject<PlotHandle | null> }) {
  const controller = useTrainingController();
  const open = useTraining((s) => s.panelOpen);
  const setPanel = useTraining((s) => s.setPanel);
  const live = useTraining((s) => s.live);
  const view = useTraining((s) => s.view);
  const preference = useTraining((s) => s.backend);
  const lastBackend = useTraining((s) => s.lastBackend);
  const errors = useEditor((s) => s.analysis.errorCount);
  const active = isActive(live);
  const step = live?.step ?? 0;
  const total = live?.totalSteps;
  const fraction = total ? Math.min(1, step / total) : 0;
  const backend = live?.backend;

  const exportPng = () => {
    const name = view.kind === 'run' ? view.runId : (live?.runId ?? 'run');
    const png = plotRef.current?.toPng(`${live && view.kind === 'live' ? live.graphName : name} — losses`);
    if (png) void controller.exportPng(png);
  };

  return (
    <header className="tw-train-head">
      <button className="tw-train-toggle" onClick={() => setPanel({ panelOpen: !open })} aria-expanded={open} data-testid="train-toggle" title={open ? 'Hide the training panel' : 'Show the training panel'}>
        <span className="tw-chevron">{open ? '▾' : '▸'}</span> Training
      </button>
      <div className="tw-train-controls">
        {active ? (
          <>
            <button
              className="tw-button"
              onClick={() => void controller.togglePause()}
              disabled={!live?.sessionId || live.phase === 'starting' || live.pending !== undefined}
              data-testid="train-pause"
              title={live?.phase === 'paused' ? 'Resume training' : 'Pause training after this step'}
            >
              {live?.phase === 'paused' ? '▶ Resume' : live?.pending === 'pause' ? 'Pausing…' : '❚❚ Pause'}
            </button>
            <button className="tw-button danger" onClick={() => void controller.stop()} disabled={live?.pending === 'stop'} data-testid="train-stop" title="Stop and save a final checkpoint">
              {live?.pending === 'stop' ? 'Stopping…' : '■ Stop'}
            </button>
          </>
        ) : (
          <button className="tw-button primary" onClick={() => void controller.start()} data-testid="train-run" title="Validate the graph and train it (Ctrl+Enter)">
            ▶ Run
          </button>
        )}
      </div>
      <div
        className={`tw-train-progress ${live?.phase ?? 'idle'}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={total ?? 0}
        aria-valuenow={step}
        data-testid="train-progress"
        data-step={step}
        data-total={total ?? 0}
      >
        <div className="tw-train-bar" style={{ transform: `scaleX(${fraction.toFixed(4)})` }} />
        <span className="tw-train-progress-text">
          {live ? (
            <>
              <b>{live.diverged ? 'Diverged' : PHASE_TEXT[live.phase]}</b> · step {formatInteger(step)}
              {total ? ` / ${formatInteger(total)}` : ''}
              {total ? ` (${Math.floor(fraction * 100)}%)` : ''}
            </>
          ) : errors > 0 ? (
            `Not ready: fix the ${errors} error${errors === 1 ? '' : 's'} in the Problems panel, then press Run`
          ) : (
            'Ready: press Run (Ctrl+Enter) to train this graph'
          )}
        </span>
      </div>
      <div className="tw-train-stats">
        <span title="Steps per second over the last logging interval" data-testid="train-speed">
          <b>{formatRate(live?.stepsPerSec ?? 0)}</b> steps/s
        </span>
        <span title="Estimated time to finish" data-testid="train-eta">
          ETA <b>{live?.phase === 'running' ? formatEta(live.etaSec) : '—'}</b>
        </span>
      </div>
      <span
        className={`tw-chip backend${backend ? ' known' : ''}`}
        data-testid="train-backend"
        title={backend ? `${preference === 'auto' ? 'Chosen automatically: ' : ''}${backend.reason}` : lastBackend ? `Last run: ${lastBackend.reason}` : 'The backend is chosen when the run starts'}
      >
        {backend ? `${preference === 'auto' ? 'auto → ' : ''}${backend.name}` : preference === 'auto' ? (lastBackend ? `auto (last: ${lastBackend.name})` : 'auto') : preference}
      </span>
      <div className="tw-train-exports">
        <button className="tw-button ghost" onClick={() => void controller.exportCsv()} title="Export the shown run's curves as CSV" data-testid="export-csv">
          CSV
        </button>
        <button className="tw-button ghost" onClick={exportPng} title="Export the loss plot as a PNG picture" data-testid="export-png">
          PNG
        </button>
      </div>
    </header>
  );
}

function Side({ onOpenGraph }: { onOpenGraph?(text: string, name: string): void }) {
  const tab = useTraining((s) => s.tab);
  const runs = useTraining((s) => s.runs.length);
  const setPanel = useTraining((s) => s.setPanel);
  return (
    <aside className="tw-train-side">
      <div className="tw-tabs" role="tablist">
        <button role="tab" aria-selected={tab === 'settings'} className={tab === 'settings' ? 'on' : ''} onClick={() => setPanel({ tab: 'settings' })} data-testid="tab-settings">
          Settings
        </button>
        <button role="tab" aria-selected={tab === 'runs'} className={tab === 'runs' ? 'on' : ''} onClick={() => setPanel({ tab: 'runs' })} data-testid="tab-runs">
          Runs <span className="tw-count-badge">{runs}</span>
        </button>
      </div>
      <div className="tw-tab-body">{tab === 'settings' ? <SettingsForm /> : <RunsList onOpenGraph={onOpenGraph} />}</div>
    </aside>
  );
}

function Charts({ plotRef }: { plotRef: React.RefObject<PlotHandle | null> }) {
  const controller = useTrainingController();
  const theme = useUi((s) => s.theme);
  const live = useTraining((s) => s.live);
  const view = useTraining((s) => s.view);
  const opened = useTraining((s) => s.opened);
  const compare = useTraining((s) => s.compare);
  const smoothing = useTraining((s) => s.smoothing);
  const logScale = useTraining((s) => s.logScale);
  const setSmoothing = useTraining((s) => s.setSmoothing);
  const setLogScale = useTraining((s) => s.setLogScale);

  const viewedSeries: RunSeries | undefined = view.kind === 'run' ? opened[view.runId]?.series : live?.series;
  const viewedGraph = view.kind === 'run' ? opened[view.runId]?.graph : live?.graph;
  const viewedMetrics = view.kind === 'run' ? opened[view.runId]?.metrics : live?.metrics;
  const viewedName = view.kind === 'run' ? shortRunName(view.runId) : live?.runId ? shortRunName(live.runId) : 'this run';
  const overlays = compare.filter((id) => opened[id] && !(view.kind === 'live' && id === live?.runId));
  const [normalise, setNormalise] = useState(false);
  const runs: TraceRun[] = useMemo(() => {
    const list: TraceRun[] = [];
    const labels = labelsFromGraph(viewedGraph);
    if (viewedSeries) list.push(overlays.length > 0 ? { name: viewedName, series: viewedSeries, labels } : { series: viewedSeries, labels });
    overlays.forEach((id) => list.push({ name: shortRunName(id), series: opened[id].series, labels: labelsFromGraph(opened[id].graph) }));
    return list;
  }, [viewedSeries, viewedGraph, viewedName, overlays.join('|'), opened]);
  // Curves redraw about ten times a second while a run streams: redrawing thousands of points is the
  // costliest thing here, and a curve that moves ten times a second looks live. Progress text follows every frame.
  const revision = useThrottled((viewedSeries?.version ?? 0) + overlays.length * 1e9, PLOT_REDRAW_MS);
  // Traces are recomputed per revision (at most once per frame while a run logs).
  const losses = useMemo(() => lossTraces(runs, smoothing, normalise), [runs, smoothing, normalise, revision]);
  const rates = useMemo(() => lrTraces(runs), [runs, revision]);
  const best = useMemo(() => (viewedSeries ? bestStep(viewedSeries) : undefined), [viewedSeries, revision]);
  const marker = best && !normalise && viewedSeries && viewedSeries.steps.length >= MIN_POINTS_FOR_BEST ? { step: best.step, label: `best ${formatValue(best.value)} @ ${best.step}` } : null;

  return (
    <section className="tw-charts" aria-label="Curves">
      <div className="tw-chart-tools">
        <span className="tw-col-head-title" title={view.kind === 'run' ? opened[view.runId]?.summary.runDir : live?.runDir}>
          {view.kind === 'run' ? `Run ${shortRunName(view.runId)}` : 'Losses'}
          <span className="tw-faint"> · {view.kind === 'run' ? (opened[view.runId]?.graphName ?? '') : (live?.graphName ?? 'no run yet')}</span>
        </span>
        {view.kind === 'run' && (
          <button className="tw-link" onClick={() => controller.store.getState().setView({ kind: 'live' })}>
            ← current run
          </button>
        )}
        <label className="tw-slider" title="Exponential moving average, as in TensorBoard; faint lines are the raw values">
          Smoothing
          <input type="range" min={0} max={0.99} step={0.01} value={smoothing} onChange={(e) => setSmoothing(Number(e.target.value))} data-testid="smoothing" />
          <span className="tw-mono">{smoothing.toFixed(2)}</span>
        </label>
        <label className="tw-check">
          <input type="checkbox" checked={logScale} onChange={(e) => setLogScale(e.target.checked)} data-testid="log-scale" /> log scale
        </label>
        <label className="tw-check" title="Divide each curve by its largest value, so losses of very different scale (100 · L1 next to a GAN loss) all use the plot's height">
          <input type="checkbox" checked={normalise} onChange={(e) => setNormalise(e.target.checked)} data-testid="normalise" /> normalise
        </label>
        <span className="tw-faint tw-chart-hint">drag to zoom · double-click to reset</span>
      </div>
      <FailureBanner />
      <Plot
        ref={plotRef}
        traces={losses}
        revision={revision}
        logScale={logScale}
        marker={marker}
        theme={theme}
        syncKey="tw-train"
        testId="loss-plot"
        className="tw-plot-loss"
        empty={live && isActive(live) && view.kind === 'live' ? 'Waiting for the first logged step…' : 'Press Run to train: one curve per loss, plus each optimizer’s total.'}
      />
      {rates.length > 0 && <Plot traces={rates} revision={revision} theme={theme} syncKey="tw-train" testId="lr-plot" className="tw-plot-lr" compact />}
      {viewedMetrics && <MetricsView points={viewedMetrics} />}
    </section>
  );
}

/** Why Run started nothing, or why a run stopped: the cause, the node, and the way back. */
function FailureBanner() {
  const { editor } = useServices();
  const controller = useTrainingController();
  const refused = useTraining((s) => s.refused);
  const live = useTraining((s) => s.live);
  const view = useTraining((s) => s.view);
  const refuse = useTraining((s) => s.refuse);
  const reveal = useRevealNode();
  const error = view.kind === 'live' && live?.phase === 'failed' ? live.error : undefined;

  useEffect(() => {
    // Once the graph is fixed the refusal is history.
    if (!refused) return;
    return editor.subscribe((s, p) => {
      if (s.analysis !== p.analysis && s.analysis.errorCount === 0 && refused.every((r) => r.code !== 'settings')) refuse(null);
    });
  }, [editor, refused, refuse]);

  if (refused) {
    return (
      <div className="tw-train-alert refused" role="alert" data-testid="train-refused">
        <div className="tw-train-alert-title">
          Nothing started: {refused.length} problem{refused.length === 1 ? '' : 's'} to fix first
          <button className="tw-link" onClick={() => refuse(null)}>
            dismiss
          </button>
        </div>
        <ul>
          {refused.slice(0, 6).map((p, i) => (
            <li key={i}>
              {p.nodeId ? (
                <button className="tw-link tw-mono" onClick={() => reveal(p.nodeId!)}>
                  {p.nodeId}
                </button>
              ) : null}{' '}
              {p.message}
            </li>
          ))}
          {refused.length > 6 && <li className="tw-faint">…and {refused.length - 6} more in the Problems panel</li>}
        </ul>
      </div>
    );
  }
  if (!error || !live) return null;
  const [first, ...rest] = error.message.split('\n');
  return (
    <div className={`tw-train-alert failed ${error.code}`} role="alert" data-testid="train-error" data-code={error.code} data-node={error.nodeId ?? ''}>
      <div className="tw-train-alert-title">{error.title}</div>
      <p className="tw-train-alert-message">{first}</p>
      {rest.length > 0 && (
        <details>
          <summary>Details</summary>
          <pre>{rest.join('\n')}</pre>
        </details>
      )}
      {error.problems && error.problems.length > 0 && (
        <ul>
          {error.problems.slice(0, 6).map((p, i) => (
            <li key={i}>
              {p.nodeId && (
                <button className="tw-link tw-mono" onClick={() => reveal(p.nodeId!)}>
                  {p.nodeId}
                </button>
              )}{' '}
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <div className="tw-train-alert-actions">
        {error.nodeId && (
          <button className="tw-button" onClick={() => reveal(error.nodeId!)} data-testid="show-failed-node">
            Show node ‘{error.nodeId}’
          </button>
        )}
        <button className="tw-button primary" onClick={() => void controller.start()}>
          Run again
        </button>
        <span className="tw-faint">
          The graph is unchanged
          {live.series.steps.length > 0 ? `; the ${live.series.steps.length === 1 ? 'logged step is' : `${live.series.steps.length} logged steps are`} kept below and in the run folder` : ''}.
        </span>
      </div>
    </div>
  );
}

function ViewedPictures() {
  const view = useTraining((s) => s.view);
  const frame = useTraining((s) => (s.view.kind === 'run' ? (s.opened[s.view.runId]?.previews ?? null) : (s.live?.previews ?? null)));
  const graph = useTraining((s) => (s.view.kind === 'run' ? s.opened[s.view.runId]?.graph : s.live?.graph));
  const history = useTraining((s) => (s.view.kind === 'live' ? s.live?.pictureHistory : undefined));
  return <Pictures frame={frame} history={history} graph={graph} live={view.kind === 'live'} />;
}
