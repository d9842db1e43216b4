import { describe, expect, it } from 'vitest';
import { appendEvent, bestStep, curveKey, emptySeries, labelsFromGraph, seriesFromEvents, seriesToCsv, smooth, smoothGrowing, type LoggedEvent } from '../../../renderer/dashboard/series';

const logged = (step: number, losses: Record<string, number>, extra: Partial<LoggedEvent> = {}): LoggedEvent => ({
  step,
  time: 1000 + step,
  losses,
  totals: { opt: Object.values(losses).reduce((a, b) => a + b, 0) },
  lr: { opt: 0.01 },
  stepsPerSec: 10,
  ...extra,
});

describe('run series', () => {
  it('keeps every curve aligned with the steps, also curves that appear or vanish mid-run', () => {
    const series = seriesFromEvents([logged(10, { a: 1 }), logged(20, { a: 0.5, b: 2 }), logged(30, { b: 1 })]);
    expect(series.steps).toEqual([10, 20, 30]);
    expect(series.curves.map((c) => c.key)).toEqual(['loss:a', 'total:opt', 'lr:opt', 'loss:b']);
    expect(series.byKey.get('loss:a')!.values).toEqual([1, 0.5, null]);
    expect(series.byKey.get('loss:b')!.values).toEqual([null, 2, 1]);
    expect(series.byKey.get('total:opt')!.values).toEqual([1, 2.5, 1]);
    for (const curve of series.curves) expect(curve.values).toHaveLength(3);
    expect(series.version).toBe(3);
  });

  it('drops the points after a resumed run’s checkpoint when its steps are logged again', () => {
    const series = seriesFromEvents([logged(1, { a: 3 }), logged(2, { a: 2 }), logged(3, { a: 1 })]);
    appendEvent(series, logged(2, { a: 2.5 }));
    expect(series.steps).toEqual([1, 2]);
    expect(series.byKey.get('loss:a')!.values).toEqual([3, 2.5]);
    expect(series.times).toHaveLength(2);
    expect(series.stepsPerSec).toHaveLength(2);
  });

  it('stores non-finite values as gaps', () => {
    const series = emptySeries();
    appendEvent(series, logged(1, { a: Number.NaN }));
    expect(series.byKey.get(curveKey('loss', 'a'))!.values).toEqual([null]);
  });
});

describe('smoothing', () => {
  it('is a debiased exponential moving average that steps over gaps', () => {
    const w = 0.5;
    const out = smooth([4, null, 2, 1], w);
    // Hand-computed: averages 2, (1 + 1) = 2, (1 + 0.5) = 1.5; debiased by 1 - w^n.
    expect(out[0]).toBeCloseTo(2 / (1 - 0.5), 12);
    expect(out[1]).toBeNull();
    expect(out[2]).toBeCloseTo(2 / (1 - 0.25), 12);
    expect(out[3]).toBeCloseTo(1.5 / (1 - 0.125), 12);
    expect(smooth([1, 2, 3], 0)).toEqual([1, 2, 3]);
  });

  it('smooths a growing curve incrementally, with the same numbers as smoothing it whole', () => {
    const values: (number | null)[] = [3, 1, null, 4];
    const first = smoothGrowing(values, 0.8);
    expect(first).toEqual(smooth(values, 0.8));
    values.push(1, 5, 9);
    const grown = smoothGrowing(values, 0.8);
    expect(grown).toBe(first);
    expect(grown).toEqual(smooth(values, 0.8));
    // Another weight, or a curve cut back by a resumed run, starts over.
    expect(smoothGrowing(values, 0.5)).toEqual(smooth(values, 0.5));
    values.length = 2;
    values.push(7);
    expect(smoothGrowing(values, 0.5)).toEqual(smooth(values, 0.5));
    expect(smoothGrowing(values, 0)).toBe(values);
  });
});

describe('best step', () => {
  it('is where the first optimizer’s total is lowest, judged on a short moving average', () => {
    // A single lucky point at step 40 does not win over a low stretch around step 80.
    const values = Array.from({ length: 100 }, (_, i) => (i === 40 ? 0.1 : i >= 75 && i <= 85 ? 0.2 : 1));
    const series = seriesFromEvents(values.map((v, i) => logged(i + 1, { a: v })));
    const best = bestStep(series)!;
    expect(best.key).toBe('total:opt');
    expect(best.step).toBeGreaterThanOrEqual(77);
    expect(best.step).toBeLessThanOrEqual(83);
    expect(best.value).toBeCloseTo(0.2, 12);
  });

  it('is undefined for a run without curves', () => {
    expect(bestStep(emptySeries())).toBeUndefined();
  });
});

describe('CSV export', () => {
  it('writes a header with each curve by its label and one row per logged step', () => {
    const series = seriesFromEvents([logged(10, { l1: 0.5 }), logged(20, { l1: 0.25, 'gan,loss': 1 })]);
    const csv = seriesToCsv(series, labelsFromGraph({ nodes: [{ id: 'l1', label: 'L1 "pixel" loss' }] }));
    expect(csv.split('\n')).toEqual([
      'step,time,steps_per_sec,"L1 ""pixel"" loss",opt total,opt lr,"gan,loss"',
      '10,1010,10,0.5,0.5,0.01,',
      '20,1020,10,0.25,1.25,0.01,1',
      '',
    ]);
  });
});
