import { describe, expect, it } from 'vitest';
import { bestStep, seriesFromEvents, type LoggedEvent } from '../../../renderer/dashboard/series';
import { lossTraces } from '../../../renderer/dashboard/traces';

const event = (step: number, losses: Record<string, number>, totals: Record<string, number>): LoggedEvent => ({
  step,
  time: 1000 + step,
  losses,
  totals,
  lr: {},
  stepsPerSec: 10,
});

describe('best step needs one objective', () => {
  it('has none for a GAN (two optimizers play against each other)', () => {
    const series = seriesFromEvents(Array.from({ length: 20 }, (_, i) => event(i + 1, { g: 1 / (i + 1), d: i }, { G: 1 / (i + 1), D: i })));
    expect(bestStep(series)).toBeUndefined();
  });

  it('has one for a single optimizer', () => {
    const series = seriesFromEvents(Array.from({ length: 20 }, (_, i) => event(i + 1, { a: 20 - i, b: 1 }, { opt: 21 - i })));
    expect(bestStep(series)?.key).toBe('total:opt');
  });
});

describe('loss traces', () => {
  const run = (scale: number) => seriesFromEvents(Array.from({ length: 5 }, (_, i) => event(i + 1, { l1: scale * (5 - i), gan: 0.7 }, { opt: scale * (5 - i) + 0.7 })));

  it('keep one colour per curve across compared runs, and a dash per run', () => {
    const traces = lossTraces([{ name: 'a', series: run(1) }, { name: 'b', series: run(2) }], 0);
    const colour = (label: string) => traces.find((t) => t.label === label)!.color;
    expect(colour('a · l1')).toBe(colour('b · l1'));
    expect(colour('a · l1')).not.toBe(colour('a · gan'));
    expect(new Set(traces.filter((t) => t.label.startsWith('a ·')).map((t) => t.color)).size).toBe(3);
    expect(traces.find((t) => t.label === 'b · l1')!.dash).toBeDefined();
    expect(traces.find((t) => t.label === 'a · l1')!.dash).toBeUndefined();
  });

  it('normalised, give every curve the same height whatever its scale', () => {
    const traces = lossTraces([{ series: run(100) }], 0, true);
    for (const t of traces) expect(Math.max(...t.values.map((v) => v ?? 0))).toBeCloseTo(1, 12);
    const l1 = traces.find((t) => t.label.startsWith('l1'))!;
    expect(l1.values[4]).toBeCloseTo(0.2, 12);
  });
});
