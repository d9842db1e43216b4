/**
 * A run's evaluations (box/mask AP on the validation split, for graphs with
 * an evaluable node): the points the trainer measured and their labels and
 * order (the table, the CSV; their curves are in traces.ts). Evaluations are
 * few (one per checkpoint), so plain arrays of points are copied on change.
 */
import type { AppResponse } from '../../core/contract/app-api';

export type MetricPoint = NonNullable<AppResponse<'readRun'>['metrics']>[number];

/**
 * The points with `point` added. A resumed run evaluates the steps after its
 * checkpoint again: points at or after the new step are dropped first.
 */
export function appendMetrics(points: readonly MetricPoint[], point: MetricPoint): MetricPoint[] {
  return [...points.filter((p) => p.step < point.step), { step: point.step, metrics: { ...point.metrics } }];
}

const FAMILY_LABEL: Record<string, string> = { segm: 'mask', bbox: 'box' };
const FAMILY_ORDER = ['segm', 'bbox'];
const NAME_ORDER = ['AP50', 'AP', 'AP75'];

/** 'segm/AP50' → 'mask AP50', 'bbox/AP' → 'box AP'; other names as they are. */
export function metricLabel(name: string): string {
  const slash = name.indexOf('/');
  if (slash < 0) return name;
  const family = name.slice(0, slash);
  return `${FAMILY_LABEL[family] ?? family} ${name.slice(slash + 1)}`;
}

function rank(name: string): [number, number, string] {
  const slash = name.indexOf('/');
  const family = slash < 0 ? '' : name.slice(0, slash);
  const short = name.slice(slash + 1);
  const familyRank = FAMILY_ORDER.indexOf(family);
  const nameRank = NAME_ORDER.indexOf(short);
  return [familyRank < 0 ? FAMILY_ORDER.length : familyRank, nameRank < 0 ? NAME_ORDER.length : nameRank, name];
}

/** Every metric any point measured: mask before box, AP50 before AP before AP75, then by name. */
export function metricNames(points: readonly MetricPoint[]): string[] {
  const names = new Set<string>();
  for (const point of points) for (const name in point.metrics) names.add(name);
  return [...names].sort((a, b) => {
    const [fa, na, a2] = rank(a);
    const [fb, nb, b2] = rank(b);
    return fa - fb || na - nb || a2.localeCompare(b2);
  });
}

/** The last evaluation, whose values the table shows; undefined before the first. */
export function latestMetrics(points: readonly MetricPoint[]): MetricPoint | undefined {
  return points.at(-1);
}
