/**
 * The viewed run's validation metrics under its loss curves: the latest
 * values in one line ("mask AP50 0.51 · mask AP 0.33 · … @ step 400") and,
 * from the second evaluation on, a small curve of each over the steps.
 * Nothing is shown for runs whose graph measures nothing.
 */
import { useMemo, useRef } from 'react';
import { useUi } from '../services/context';
import { latestMetrics, metricLabel, metricNames, type MetricPoint } from './metrics';
import { Plot, formatValue } from './Plot';
import { formatInteger } from './series';
import { metricTraces } from './traces';

export function MetricsView({ points }: { points: readonly MetricPoint[] }) {
  const theme = useUi((s) => s.theme);
  const traces = useMemo(() => metricTraces(points), [points]);
  // Every change makes a new points array, also one of the same length (a continued run re-measuring a step).
  const changes = useRef(0);
  const revision = useMemo(() => ++changes.current, [points]);
  const latest = latestMetrics(points);
  if (!latest) return null;
  const names = metricNames([latest]);
  return (
    <div className="tw-metrics" data-testid="metrics" data-step={latest.step}>
      <div className="tw-metrics-latest" title="Measured on the validation split">
        {names.map((name, i) => (
          <span key={name} className="tw-metric" data-metric={name}>
            {i > 0 && <span className="tw-faint"> · </span>}
            {metricLabel(name)} <b className="tw-mono">{formatValue(latest.metrics[name])}</b>
          </span>
        ))}
        <span className="tw-faint"> @ step {formatInteger(latest.step)}</span>
      </div>
      {points.length >= 2 && <Plot traces={traces} revision={revision} theme={theme} syncKey="tw-train" testId="metrics-plot" className="tw-plot-metrics" compact />}
    </div>
  );
}
