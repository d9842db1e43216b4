import { describe, expect, it } from 'vitest';
import { appendMetrics, latestMetrics, metricLabel, metricNames } from '../../../renderer/dashboard/metrics';
import { metricTraces } from '../../../renderer/dashboard/traces';

describe('metrics', () => {
  it('labels COCO metrics by what they measure and orders mask before box, AP50 before AP', () => {
    expect(metricLabel('segm/AP50')).toBe('mask AP50');
    expect(metricLabel('bbox/AP')).toBe('box AP');
    expect(metricLabel('accuracy')).toBe('accuracy');
    const points = [{ step: 5, metrics: { 'bbox/AP75': 1, 'bbox/AP': 1, accuracy: 1, 'segm/AP': 1, 'segm/AP50': 1, 'bbox/AP50': 1 } }];
    expect(metricNames(points)).toEqual(['segm/AP50', 'segm/AP', 'bbox/AP50', 'bbox/AP', 'bbox/AP75', 'accuracy']);
  });

  it('appends in step order, a re-measured step dropping the points from it on', () => {
    let points = appendMetrics([], { step: 10, metrics: { 'segm/AP': 0.1 } });
    points = appendMetrics(points, { step: 20, metrics: { 'segm/AP': 0.2 } });
    points = appendMetrics(points, { step: 30, metrics: { 'segm/AP': 0.3 } });
    const resumed = appendMetrics(points, { step: 20, metrics: { 'segm/AP': 0.25 } });
    expect(resumed.map((p) => [p.step, p.metrics['segm/AP']])).toEqual([
      [10, 0.1],
      [20, 0.25],
    ]);
    expect(points).toHaveLength(3);
    expect(latestMetrics(resumed)?.step).toBe(20);
    expect(latestMetrics([])).toBeUndefined();
  });

  it('draws one curve per metric over the evaluated steps, with gaps where a step lacks one', () => {
    const traces = metricTraces([
      { step: 10, metrics: { 'segm/AP50': 0.1 } },
      { step: 20, metrics: { 'segm/AP50': 0.3, 'bbox/AP50': 0.4 } },
    ]);
    expect(traces.map((t) => [t.label, t.values])).toEqual([
      ['mask AP50', [0.1, 0.3]],
      ['box AP50', [null, 0.4]],
    ]);
    // One shared steps array: the plot draws them on one x column.
    expect(traces[0].steps).toBe(traces[1].steps);
    expect(traces[0].steps).toEqual([10, 20]);
  });
});
