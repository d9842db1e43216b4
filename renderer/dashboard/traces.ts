/**
 * What the plots draw: a run's curves as plot traces, smoothed, coloured and
 * labelled; several runs overlaid keep one colour per curve and a dash per run.
 */
import { metricLabel, metricNames, type MetricPoint } from './metrics';
import type { PlotTrace } from './Plot';
import { curveLabel, smoothGrowing, type Curve, type CurveLabels, type RunSeries } from './series';

export const CURVE_COLORS = ['#5b8cff', '#f5a524', '#3ccf8e', '#e5484d', '#a371f7', '#2bb5c8', '#e879b9', '#9bb53c', '#ff8a4c', '#7c8cff'];
const RUN_DASHES: (number[] | undefined)[] = [undefined, [7, 4], [2, 3], [10, 3, 2, 3], [4, 4]];
const TOTAL_DASH = [6, 4];

export interface TraceRun {
  /** Label prefix in overlays; none for a run shown alone. */
  name?: string;
  series: RunSeries;
  labels?: CurveLabels;
}

function tracesFor(run: TraceRun, curves: Curve[], smoothing: number, colorOffset: number, normalise = false, runIndex = 0): PlotTrace[] {
  const labels = run.labels ?? {};
  const traces: PlotTrace[] = [];
  curves.forEach((curve, i) => {
    // Colour names the curve (the same loss has the same colour in every run); the dash names the run.
    const color = CURVE_COLORS[(colorOffset + i) % CURVE_COLORS.length];
    const dash = runIndex > 0 ? RUN_DASHES[runIndex % RUN_DASHES.length] : curve.kind === 'total' ? TOTAL_DASH : undefined;
    const label = `${run.name ? `${run.name} · ` : ''}${curveLabel(curve, labels)}${normalise ? ' ÷ max' : ''}`;
    const key = `${run.name ?? ''}|${curve.key}`;
    const scale = normalise ? scaleOf(curve.values) : 1;
    const scaled = (values: readonly (number | null)[]) => (scale === 1 ? (values as (number | null)[]) : values.map((v) => (v === null ? null : v / scale)));
    if (smoothing > 0) traces.push({ key: `${key}|raw`, label: `${label} (raw)`, color, faint: true, steps: run.series.steps, values: scaled(curve.values) });
    traces.push({
      key,
      label,
      color,
      ...(dash ? { dash } : {}),
      width: curve.kind === 'total' ? 2.25 : 1.75,
      steps: run.series.steps,
      values: scaled(smoothGrowing(curve.values, smoothing)),
    });
  });
  return traces;
}

/** The largest finite magnitude of a curve (1 for an empty or all-zero one), for the normalised view. */
function scaleOf(values: readonly (number | null)[]): number {
  let max = 0;
  for (const v of values) if (v !== null && Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  return max > 0 ? max : 1;
}

/**
 * Loss and total curves of the viewed run, then of each compared run.
 * Normalised, each curve is divided by its largest value, so losses of very
 * different scale (100 · L1 next to a GAN loss) all use the plot's height.
 */
export function lossTraces(runs: TraceRun[], smoothing: number, normalise = false): PlotTrace[] {
  return runs.flatMap((run, r) => tracesFor(run, run.series.curves.filter((c) => c.kind !== 'lr'), smoothing, 0, normalise, r));
}

/** Learning rates are schedules, never noisy: they are not smoothed. */
export function lrTraces(runs: TraceRun[]): PlotTrace[] {
  return runs.flatMap((run, r) => tracesFor(run, run.series.curves.filter((c) => c.kind === 'lr'), 0, 4, false, r));
}

/** One curve per metric over the evaluated steps, all sharing one steps array (one x column in the plot). */
export function metricTraces(points: readonly MetricPoint[]): PlotTrace[] {
  const steps = points.map((p) => p.step);
  return metricNames(points).map((name, i) => ({
    key: `metric:${name}`,
    label: metricLabel(name),
    color: CURVE_COLORS[i % CURVE_COLORS.length],
    width: 1.75,
    steps,
    values: points.map((p) => (name in p.metrics ? p.metrics[name] : null)),
  }));
}

/** '2026-11-27T03-55-46' → '03:55:46'; other names as they are. */
export function shortRunName(runId: string): string {
  const match = /T(\d\d)-(\d\d)-(\d\d)(-\d+)?$/.exec(runId);
  return match ? `${match[1]}:${match[2]}:${match[3]}${match[4] ?? ''}` : runId;
}
