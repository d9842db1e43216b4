/**
 * A run's curves in columns: one array of steps and one array per curve, so
 * a logged event appends a number to each array instead of copying anything,
 * and the plot takes the arrays as they are. Pure functions over plain data:
 * the store, the plot, the CSV export and the tests share them.
 */
import type { AppResponse } from '../../core/contract/app-api';
import { metricNames, type MetricPoint } from './metrics';

export type LoggedEvent = AppResponse<'readRun'>['events'][number];

/** 'loss': a loss node's unweighted value; 'total': an optimizer's weighted objective; 'lr': its learning rate. */
export type CurveKind = 'loss' | 'total' | 'lr';

export interface Curve {
  /** `${kind}:${id}` */
  key: string;
  kind: CurveKind;
  /** Loss node id or optimizer id. */
  id: string;
  /** One value per logged step; null where the event did not carry this curve. */
  values: (number | null)[];
}

export interface RunSeries {
  steps: number[];
  /** Wall-clock seconds of each logged step. */
  times: number[];
  stepsPerSec: number[];
  /** In first-seen order, which is the order the plot's legend shows. */
  curves: Curve[];
  byKey: Map<string, Curve>;
  /** Bumped on every append, so views redraw only when something changed. */
  version: number;
}

export const curveKey = (kind: CurveKind, id: string) => `${kind}:${id}`;

export function emptySeries(): RunSeries {
  return { steps: [], times: [], stepsPerSec: [], curves: [], byKey: new Map(), version: 0 };
}

/** An independent copy (a resumed run continues its old curves without changing the opened run's). */
export function cloneSeries(series: RunSeries): RunSeries {
  const curves = series.curves.map((c) => ({ ...c, values: c.values.slice() }));
  return { steps: series.steps.slice(), times: series.times.slice(), stepsPerSec: series.stepsPerSec.slice(), curves, byKey: new Map(curves.map((c) => [c.key, c])), version: series.version };
}

export function seriesFromEvents(events: readonly LoggedEvent[]): RunSeries {
  const series = emptySeries();
  for (const event of events) appendEvent(series, event);
  return series;
}

/**
 * Appends one logged step in place. A resumed run replays the steps after its
 * checkpoint, so a step at or before the last one drops the points after it first.
 */
export function appendEvent(series: RunSeries, event: Pick<LoggedEvent, 'step' | 'time' | 'losses' | 'totals' | 'lr' | 'stepsPerSec'>): void {
  const last = series.steps.length > 0 ? series.steps[series.steps.length - 1] : -Infinity;
  if (event.step <= last) truncateAfter(series, event.step - 1);
  const row = series.steps.length;
  series.steps.push(event.step);
  series.times.push(event.time);
  series.stepsPerSec.push(event.stepsPerSec);
  const put = (kind: CurveKind, record: Record<string, number>) => {
    for (const id in record) {
      const key = curveKey(kind, id);
      let curve = series.byKey.get(key);
      if (!curve) {
        curve = { key, kind, id, values: new Array<number | null>(row).fill(null) };
        series.byKey.set(key, curve);
        series.curves.push(curve);
      }
      const value = record[id];
      curve.values.push(Number.isFinite(value) ? value : null);
    }
  };
  put('loss', event.losses);
  put('total', event.totals);
  put('lr', event.lr);
  // Curves this event did not mention stay aligned with the steps.
  for (const curve of series.curves) if (curve.values.length === row) curve.values.push(null);
  series.version++;
}

function truncateAfter(series: RunSeries, step: number): void {
  let keep = series.steps.length;
  while (keep > 0 && series.steps[keep - 1] > step) keep--;
  series.steps.length = keep;
  series.times.length = keep;
  series.stepsPerSec.length = keep;
  for (const curve of series.curves) curve.values.length = keep;
}

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so the
 * first points are not pulled towards zero. `weight` 0 returns the values.
 * Gaps (nulls) stay gaps and do not break the average.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values.slice();
  const out = new Array<number | null>(values.length);
  let average = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) {
      out[i] = null;
      continue;
    }
    average = average * weight + (1 - weight) * v;
    count++;
    out[i] = average / (1 - weight ** count);
  }
  return out;
}

interface SmoothState {
  weight: number;
  average: number;
  count: number;
  out: (number | null)[];
}
const smoothCache = new WeakMap<readonly (number | null)[], SmoothState>();

/**
 * `smooth`, kept up to date as `values` grows in place: a live run's curve
 * is smoothed once, then only its new points. The returned array is the
 * cache's own (it grows on later calls); a shrunk array or another weight starts over.
 */
export function smoothGrowing(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values as (number | null)[];
  let state = smoothCache.get(values);
  if (!state || state.weight !== weight || state.out.length > values.length) {
    state = { weight, average: 0, count: 0, out: [] };
    smoothCache.set(values, state);
  }
  const { out } = state;
  for (let i = out.length; i < values.length; i++) {
    const v = values[i];
    if (v === null || !Number.isFinite(v)) {
      out.push(null);
      continue;
    }
    state.average = state.average * weight + (1 - weight) * v;
    state.count++;
    out.push(state.average / (1 - weight ** state.count));
  }
  return out;
}

/** Thousands separators without building a formatter per call (this runs every frame). */
const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
export const formatInteger = (n: number) => integerFormat.format(n);

/**
 * The curve the best step is judged on, where one objective defines best:
 * the optimizer's total when there is one optimizer, else the loss when
 * there is one loss. Several optimizers (a GAN's G and D play against each
 * other) have no best step: a low D loss is a weak G.
 */
export function primaryCurve(series: RunSeries): Curve | undefined {
  const totals = series.curves.filter((c) => c.kind === 'total');
  if (totals.length > 1) return undefined;
  if (totals.length === 1) return totals[0];
  const losses = series.curves.filter((c) => c.kind === 'loss');
  return losses.length === 1 ? losses[0] : undefined;
}

export interface BestStep {
  step: number;
  /** The curve's smoothed value there. */
  value: number;
  key: string;
}

/**
 * The step where the primary curve is lowest, judged on a centred moving
 * average (about 2% of the run wide) so one lucky batch does not win.
 */
export function bestStep(series: RunSeries, key = primaryCurve(series)?.key): BestStep | undefined {
  const curve = key ? series.byKey.get(key) : undefined;
  if (!curve) return undefined;
  const values = curve.values;
  const half = Math.floor(Math.max(1, Math.round(values.length / 50)) / 2);
  let sum = 0;
  let count = 0;
  let lo = 0;
  let hi = -1;
  let best: BestStep | undefined;
  for (let i = 0; i < values.length; i++) {
    // Slide the window [i - half, i + half] over the finite values.
    while (hi < Math.min(values.length - 1, i + half)) {
      hi++;
      const v = values[hi];
      if (v !== null) {
        sum += v;
        count++;
      }
    }
    while (lo < i - half) {
      const v = values[lo];
      if (v !== null) {
        sum -= v;
        count--;
      }
      lo++;
    }
    if (values[i] === null || count === 0) continue;
    const mean = sum / count;
    if (!best || mean < best.value) best = { step: series.steps[i], value: mean, key: curve.key };
  }
  return best;
}

export interface CurveLabels {
  /** Display name of a loss node or optimizer; the id when absent. */
  name?(kind: CurveKind, id: string): string;
}

/** Loss nodes by their label in the graph that was trained, where they have one. */
export function labelsFromGraph(graph: { nodes: readonly { id: string; label?: string }[] } | undefined): CurveLabels {
  if (!graph) return {};
  const labels = new Map(graph.nodes.filter((n) => n.label).map((n) => [n.id, n.label!]));
  return { name: (kind, id) => (kind === 'loss' ? (labels.get(id) ?? id) : id) };
}

export function curveLabel(curve: Pick<Curve, 'kind' | 'id'>, labels: CurveLabels = {}): string {
  const name = labels.name?.(curve.kind, curve.id) ?? curve.id;
  return curve.kind === 'loss' ? name : curve.kind === 'total' ? `${name} total` : `${name} lr`;
}

/**
 * Comma-separated values with a header row: step, time, steps/s, every curve,
 * then every metric by its name ('segm/AP50'). Rows are the logged steps and
 * the evaluated ones, in step order; cells are empty where a step has no value.
 */
export function seriesToCsv(series: RunSeries, labels: CurveLabels = {}, metrics: readonly MetricPoint[] = []): string {
  const names = metricNames(metrics);
  const header = ['step', 'time', 'steps_per_sec', ...series.curves.map((c) => csvCell(curveLabel(c, labels))), ...names.map(csvCell)];
  const lines = [header.join(',')];
  const cell = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));
  let i = 0;
  let j = 0;
  while (i < series.steps.length || j < metrics.length) {
    const step = Math.min(series.steps[i] ?? Infinity, metrics[j]?.step ?? Infinity);
    const logged = series.steps[i] === step ? i++ : -1;
    const measured = metrics[j]?.step === step ? metrics[j++].metrics : undefined;
    const row = logged < 0 ? [String(step), '', ''] : [String(step), String(series.times[logged]), String(series.stepsPerSec[logged])];
    for (const curve of series.curves) row.push(logged < 0 ? '' : cell(curve.values[logged]));
    for (const name of names) row.push(cell(measured?.[name]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
