/**
 * Training progress on the command line: one line redrawn in place on a
 * terminal, plain lines when piped. On a terminal the line never outgrows
 * the width (a wrapped line cannot be redrawn in place), and what is cut is
 * always losses, never the step, the speed or the ETA.
 */
import type { TrainerEvent } from '../contract/messages';

export interface ProgressStream {
  write(text: string): unknown;
  /** Terminal width; absent when unknown. Read at every update, so a resized terminal is followed. */
  columns?: number;
}

type ProgressEvent = Extract<TrainerEvent, { type: 'progress' }>;

export class ProgressPrinter {
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly tty: boolean,
  ) {}

  update(event: ProgressEvent): void {
    const losses = Object.entries(event.losses).map(([name, v]) => `${name} ${formatLoss(v)}`);
    const rate = `${event.stepsPerSec.toFixed(event.stepsPerSec < 10 ? 2 : 1)} steps/s`;
    const eta = `ETA ${formatDuration(event.etaSec)}`;
    if (!this.tty) {
      this.stream.write(`step ${event.step}/${event.totalSteps}  ${losses.join('  ')}  ${rate}  ${eta}\n`);
      return;
    }
    this.stream.write(`\r\x1b[2K${progressLine(event, (this.stream.columns ?? 120) - 1)}`);
    this.drawn = true;
  }

  note(text: string): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
    this.stream.write(`${text}\n`);
  }

  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

/**
 * The terminal line, at most `width` characters when it can be: the step,
 * speed and ETA first, then a bar if there is room, then as many losses as
 * fit (shortened first, then `+N` for the ones left out).
 */
export function progressLine(event: ProgressEvent, width: number): string {
  const count = `${event.step}/${event.totalSteps}`;
  const rate = `${event.stepsPerSec.toFixed(event.stepsPerSec < 10 ? 2 : 1)} steps/s`;
  const eta = `ETA ${formatDuration(event.etaSec)}`;
  let essentials = `${count}  ${rate}  ${eta}`;
  // Below the room for even that, the short forms: still step, speed and ETA.
  if (essentials.length > width) essentials = `${count} ${event.stepsPerSec.toFixed(1)}/s ${formatDuration(event.etaSec)}`;
  const barWidth = 24;
  const filled = Math.round((event.step / Math.max(1, event.totalSteps)) * barWidth);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] `;
  const entries = Object.entries(event.losses);
  const full = entries.map(([name, v]) => `${name} ${formatLoss(v)}`);
  const short = entries.map(([name, v]) => `${abbreviate(name)} ${v.toPrecision(3)}`);
  for (const withBar of [true, false]) {
    for (const losses of [full, short]) {
      const line = `${withBar ? bar : ''}${essentials}${losses.length ? `  ${losses.join('  ')}` : ''}`;
      if (line.length <= width) return line;
    }
  }
  // Not every loss fits: as many short ones as do, and how many are left out.
  let line = essentials;
  for (let i = 0; i < short.length; i++) {
    const left = short.length - i - 1;
    const candidate = `${line}  ${short[i]}`;
    if (`${candidate}${left > 0 ? `  +${left}` : ''}`.length > width) {
      const counted = `${line}  +${short.length - i}`;
      return counted.length <= width ? counted : line;
    }
    line = candidate;
  }
  return line;
}

/** `D_loss_real` → `D_loss_r…` past 10 characters: enough to tell losses apart on a narrow terminal. */
function abbreviate(name: string): string {
  return name.length > 10 ? `${name.slice(0, 9)}…` : name;
}

export function formatLoss(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
