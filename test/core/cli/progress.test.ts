/** The terminal progress line keeps step, speed and ETA on any width; losses give way. */
import { describe, expect, it } from 'vitest';
import { ProgressPrinter, progressLine } from '../../../core/cli/progress';

const event = (losses: Record<string, number>) => ({
  type: 'progress' as const,
  step: 1234,
  totalSteps: 100000,
  time: 0,
  losses,
  totals: {},
  lr: {},
  stepsPerSec: 12.5,
  etaSec: 7890,
});

const manyLosses = {
  D_loss_real: 0.6931,
  D_loss_fake: 0.7012,
  G_loss_gan: 1.2345,
  G_loss_l1: 0.0456,
  G_loss_perceptual: 2.5,
  cycle_A: 0.25,
  cycle_B: 0.125,
};

/** A terminal of `columns` width that records what was drawn. */
function fakeTerminal(columns: number) {
  const writes: string[] = [];
  return { columns, writes, write: (text: string) => void writes.push(text) };
}

describe('progress line on a terminal', () => {
  it('fits every width from 120 down to 40 and always shows step, steps/s and ETA', () => {
    for (const columns of [120, 80, 60, 40]) {
      const line = progressLine(event(manyLosses), columns - 1);
      expect(line.length, `${columns} columns: ${line}`).toBeLessThanOrEqual(columns - 1);
      expect(line).toContain('1234/100000');
      expect(line).toMatch(/12\.5 steps\/s/);
      expect(line).toContain('ETA 2h11m');
    }
  });

  it('shows all losses when they fit, shortened or counted when they do not', () => {
    expect(progressLine(event({ mse: 0.5 }), 119)).toBe('[........................] 1234/100000  12.5 steps/s  ETA 2h11m  mse 0.5000');
    const narrow = progressLine(event(manyLosses), 59);
    expect(narrow).toMatch(/\+\d+$/);
    expect(narrow).not.toContain('[');
    const wide = progressLine(event(manyLosses), 200);
    for (const name of Object.keys(manyLosses)) expect(wide).toContain(name);
  });

  it('keeps step, speed and ETA in short form on a very narrow terminal', () => {
    const line = progressLine(event(manyLosses), 24);
    expect(line.length).toBeLessThanOrEqual(24);
    expect(line).toBe('1234/100000 12.5/s 2h11m');
  });

  it('redraws in place, within the width of the stream it writes to', () => {
    const terminal = fakeTerminal(50);
    const printer = new ProgressPrinter(terminal, true);
    printer.update(event(manyLosses));
    const drawn = terminal.writes[0];
    expect(drawn.startsWith('\r\x1b[2K')).toBe(true);
    const text = drawn.slice('\r\x1b[2K'.length);
    expect(text.length).toBeLessThanOrEqual(49);
    expect(text).toMatch(/1234\/100000 .*steps\/s .*ETA/);
    printer.note('checkpoint');
    expect(terminal.writes.slice(1)).toEqual(['\n', 'checkpoint\n']);
  });

  it('writes whole plain lines off a terminal, every loss included', () => {
    const pipe = fakeTerminal(20);
    new ProgressPrinter(pipe, false).update(event(manyLosses));
    expect(pipe.writes[0]).toMatch(/^step 1234\/100000 {2}D_loss_real 0\.6931 .*cycle_B 0\.1250 {2}12\.5 steps\/s {2}ETA 2h11m\n$/);
  });
});
