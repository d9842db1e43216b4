/**
 * The run history: every run folder, newest first. Clicking a run shows its
 * curves, pictures, graph and settings; ticking runs overlays their curves on
 * the one shown, to compare them.
 */
import { useTraining, useTrainingController } from './context';
import { formatValue } from './Plot';
import { curveLabel, formatInteger, labelsFromGraph } from './series';
import { shortRunName } from './traces';
import { isActive, type OpenedRun, type RunSummary } from './store';

const STATUS_TEXT: Record<RunSummary['status'], string> = {
  running: 'running',
  completed: 'completed',
  stopped: 'stopped',
  failed: 'failed',
  killed: 'killed',
  crashed: 'crashed',
};

export function RunsList({ onOpenGraph }: { onOpenGraph?(text: string, name: string): void }) {
  const controller = useTrainingController();
  const runs = useTraining((s) => s.runs);
  const loading = useTraining((s) => s.runsLoading);
  const error = useTraining((s) => s.runsError);
  const view = useTraining((s) => s.view);
  const compare = useTraining((s) => s.compare);
  const opened = useTraining((s) => s.opened);
  const liveRunId = useTraining((s) => s.live?.runId);
  const liveActive = useTraining((s) => isActive(s.live));
  const livePhase = useTraining((s) => s.live?.phase);
  const liveStep = useTraining((s) => s.live?.step ?? 0);
  const setView = useTraining((s) => s.setView);
  const viewedId = view.kind === 'run' ? view.runId : liveRunId;
  const viewedRun = view.kind === 'run' ? opened[view.runId] : undefined;

  return (
    <div className="tw-runs" data-testid="runs-list">
      <div className="tw-runs-head">
        <span>{runs.length === 0 ? 'No runs yet' : `${runs.length} run${runs.length === 1 ? '' : 's'}`}</span>
        <button className="tw-link" onClick={() => void controller.refreshRuns()} disabled={loading} title="Read the runs folder again">
          {loading ? 'Reading…' : '↻ Refresh'}
        </button>
      </div>
      {error && <p className="tw-train-problems">{error}</p>}
      <ul className="tw-runs-list">
        {runs.map((run) => {
          const isLive = run.runId === liveRunId;
          const isRunning = isLive && liveActive;
          const isViewed = run.runId === viewedId;
          const best = opened[run.runId]?.best;
          // run.json is written at checkpoints; a run whose trainer died never wrote its end. The live run knows better.
          const status = isLive && livePhase === 'failed' ? 'failed' : run.status;
          const step = isLive ? Math.max(liveStep, run.step) : run.step;
          return (
            <li key={run.runId} className={`${isViewed ? 'viewed' : ''}`} data-run={run.runId} data-status={status}>
              <input
                type="checkbox"
                checked={isViewed || compare.includes(run.runId)}
                disabled={isViewed}
                onChange={() => void controller.toggleCompare(run.runId)}
                title={isViewed ? 'The run shown' : 'Overlay its curves on the plot'}
                aria-label={`Compare ${run.runId}`}
                data-testid="run-compare"
              />
              <button className="tw-run-row" onClick={() => (isRunning ? setView({ kind: 'live' }) : void controller.openRun(run.runId))} title={`${run.runDir}\nClick to show this run`}>
                <span className="tw-run-line">
                  <span className={`tw-dot ${isRunning ? 'live' : status}`} />
                  <span className="tw-run-name">{shortRunName(run.runId)}</span>
                  <span className="tw-run-graph">{run.graphName}</span>
                  {isLive && <span className={`tw-chip${isRunning ? ' live' : ''}`}>{isRunning ? 'live' : 'latest'}</span>}
                </span>
                <span className="tw-run-meta">
                  {STATUS_TEXT[status]} · {formatInteger(step)}/{formatInteger(run.totalSteps)} · {run.backend}
                  {best ? ` · best ${formatValue(best.value)} @ ${best.step}` : ''}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {viewedRun && view.kind === 'run' && <RunDetails runId={view.runId} run={viewedRun} onOpenGraph={onOpenGraph} onBack={() => setView({ kind: 'live' })} />}
    </div>
  );
}

function RunDetails({ runId, run, onOpenGraph, onBack }: { runId: string; run: OpenedRun; onOpenGraph?(text: string, name: string): void; onBack(): void }) {
  const controller = useTrainingController();
  const labels = labelsFromGraph(run.graph);
  const details = run.details;
  const settings = details?.settings;
  const primary = run.best ? run.series.byKey.get(run.best.key) : undefined;
  return (
    <section className="tw-run-details" data-testid="run-details">
      <h4>
        {run.graphName} <span className="tw-faint">· {runId}</span>
      </h4>
      <dl>
        <dt>Status</dt>
        <dd>
          {run.summary.status} at step {formatInteger(run.summary.step)} of {formatInteger(run.summary.totalSteps)}
        </dd>
        {run.best && primary && (
          <>
            <dt>Best step</dt>
            <dd data-testid="run-best">
              {formatInteger(run.best.step)} ({curveLabel(primary, labels)} {formatValue(run.best.value)})
            </dd>
          </>
        )}
        {settings && (
          <>
            <dt>Settings</dt>
            <dd>
              batch {settings.batchSize} · seed {details.seed} · log every {settings.logEvery} · pictures every {settings.previewEvery} · checkpoint every {settings.checkpointEvery}
            </dd>
          </>
        )}
        <dt>Backend</dt>
        <dd title={details?.backendReason}>{details ? `${run.summary.backend}: ${details.backendReason}` : run.summary.backend}</dd>
        <dt>Graph</dt>
        <dd className="tw-mono" title={run.summary.graphHash}>
          {run.summary.graphHash.slice(0, 12)}
        </dd>
        {details?.error && (
          <>
            <dt>Error</dt>
            <dd className="tw-error-text">{details.error.split('\n')[0]}</dd>
          </>
        )}
      </dl>
      <div className="tw-run-actions">
        {onOpenGraph && run.graphText && (
          <button className="tw-button" onClick={() => onOpenGraph(run.graphText, `${runId}.json`)} title="Open the exact graph this run trained, as an untitled copy">
            Open its graph
          </button>
        )}
        {run.summary.status !== 'running' && run.summary.status !== 'completed' && details?.latestCheckpoint && run.summary.step < run.summary.totalSteps && (
          <button
            className="tw-button primary"
            onClick={() => void controller.resumeRun(runId)}
            title={`Continue from the checkpoint at ${details.latestCheckpoint} to step ${formatInteger(run.summary.totalSteps)}, in the same run folder`}
            data-testid="resume-run"
          >
            Continue training
          </button>
        )}
        <button className="tw-button" onClick={onBack} data-testid="back-to-live">
          Back to the current run
        </button>
      </div>
    </section>
  );
}
