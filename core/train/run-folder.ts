/**
 * A run folder: what one training run leaves on disk. The trainer writes it,
 * the hosts (Electron, browser mode) and the CLI read it back; this module is
 * the only place that knows its layout, so the writer and the readers cannot
 * drift apart:
 *
 *   run.json                      the run record (status, settings, step); replaced atomically
 *   graph.json                    the graph as trained (with the effective steps)
 *   events.jsonl                  one logged step per line (losses, totals, lr, steps/s)
 *   metrics.jsonl                 one validation evaluation per line
 *   checkpoints/step-0000100/     complete checkpoints (see checkpoint.ts for their content)
 *   previews/step-0000100-<node>-<port>.png
 */
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic, writeFileAtomicSync } from '../atomic-write';
import { loggedEventSchema, runMetricsSchema } from '../contract/app-api';
import type { StepResult } from './session';

export const RUN_FORMAT = 'tensorweave.run';

/**
 * `killed`: a second Ctrl+C or SIGTERM ended the process before its final
 * checkpoint. `crashed` is never written by a trainer: readers report it for a
 * record still `running` whose process is gone (see effectiveStatus).
 */
export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'killed' | 'crashed';

/** What run.json records: enough to reproduce or resume a run. */
export interface RunRecord {
  format: typeof RUN_FORMAT;
  version: 1;
  id: string;
  graphName: string;
  graphHash: string;
  seed: number;
  backend: string;
  backendReason: string;
  settings: {
    steps: number;
    batchSize: number;
    logEvery: number;
    previewEvery: number;
    checkpointEvery: number;
    evalEvery?: number;
    /** Checkpoints kept besides the best one; 0 keeps them all. */
    keepCheckpoints?: number;
  };
  startedAt: string;
  updatedAt: string;
  status: RunStatus;
  step: number;
  latestCheckpoint?: string;
  /** The checkpoint with the best validation metric, which pruning never removes. */
  bestCheckpoint?: { path: string; step: number; metric: string; value: number };
  error?: string;
  /** The process that trains it, so a reader can tell a live run from one whose process died. */
  pid?: number;
  hostname?: string;
}

/** One line of events.jsonl. */
export interface LoggedEvent extends StepResult {
  step: number;
  time: number;
  stepsPerSec: number;
}

/** One line of metrics.jsonl. */
export interface MetricsLine {
  step: number;
  time: number;
  split: 'train' | 'val';
  metrics: Record<string, number>;
  seconds: number;
}

export const RUN_FILES = {
  record: 'run.json',
  graph: 'graph.json',
  events: 'events.jsonl',
  metrics: 'metrics.jsonl',
  checkpoints: 'checkpoints',
  previews: 'previews',
} as const;

/** Checkpoints a run keeps when not told otherwise, besides its best one. */
export const DEFAULT_KEEP_CHECKPOINTS = 3;

/** A run id is a folder name: safe on every file system and never a path. */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

export function checkpointName(step: number): string {
  return `step-${String(step).padStart(7, '0')}`;
}

const CHECKPOINT_NAME = /^step-(\d+)$/;

export function parseCheckpointName(name: string): number | undefined {
  const match = CHECKPOINT_NAME.exec(name);
  return match ? Number(match[1]) : undefined;
}

export function previewFileName(step: number, nodeId: string, port: string): string {
  return `${checkpointName(step)}-${nodeId}-${port}.png`;
}

/** Ports are plain identifiers and node ids may hold '-', so the last '-' splits node from port. */
const PREVIEW_NAME = /^step-(\d+)-(.+)-([A-Za-z0-9_]+)\.png$/;

export function parsePreviewFileName(name: string): { step: number; nodeId: string; port: string } | undefined {
  const match = PREVIEW_NAME.exec(name);
  return match ? { step: Number(match[1]), nodeId: match[2], port: match[3] } : undefined;
}

/**
 * The metric that ranks checkpoints: mask AP, else box AP, else any other AP
 * (all higher-is-better). Graphs without one have no best checkpoint.
 */
export function rankingMetric(metrics: Record<string, number>): { metric: string; value: number } | undefined {
  const names = Object.keys(metrics);
  // Several evaluated nodes prefix their metrics with the node id ('heads/segm/AP').
  const metric = [/(^|\/)segm\/AP$/, /(^|\/)bbox\/AP$/, /(^|\/)AP$/].map((pattern) => names.find((n) => pattern.test(n))).find((n) => n !== undefined);
  return metric === undefined ? undefined : { metric, value: metrics[metric] };
}

/** Whether a process with this id is alive on this machine (EPERM: alive, but someone else's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The status a reader should believe: a record still `running` whose process
 * is gone was never told how it ended, so it crashed. Runs recorded on
 * another machine (a shared folder) cannot be checked and keep their word.
 */
export function effectiveStatus(record: Pick<RunRecord, 'status' | 'pid' | 'hostname'>): RunStatus {
  if (record.status !== 'running' || record.pid === undefined) return record.status;
  if (record.hostname !== undefined && record.hostname !== os.hostname()) return record.status;
  return processAlive(record.pid) ? 'running' : 'crashed';
}

/** Who is training now, for a record this process writes. */
export function currentProcess(): { pid: number; hostname: string } {
  return { pid: process.pid, hostname: os.hostname() };
}

/** Creates `outDir/<name>`, adding `-1`, `-2`… when the name is taken; the name defaults to the start time. */
export async function createRunFolder(outDir: string, name?: string): Promise<RunFolder> {
  await fs.mkdir(outDir, { recursive: true });
  const base = name ?? new Date().toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');
  for (let attempt = 0; ; attempt++) {
    const dir = path.join(outDir, attempt === 0 ? base : `${base}-${attempt}`);
    try {
      await fs.mkdir(dir);
      return new RunFolder(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/** Appends logged steps to events.jsonl while a run trains. */
export interface EventLog {
  append(event: LoggedEvent): Promise<void>;
  close(): Promise<void>;
}

/** Previews of a step for a panel: a few strips of at most four small samples each. */
const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;

export class RunFolder {
  constructor(readonly dir: string) {}

  get id(): string {
    return path.basename(this.dir);
  }

  file(name: keyof typeof RUN_FILES): string {
    return path.join(this.dir, RUN_FILES[name]);
  }

  checkpointDir(step: number): string {
    return path.join(this.file('checkpoints'), checkpointName(step));
  }

  // run.json

  /** The record as written; throws when run.json is missing, unreadable or not a Tensorweave run record. */
  async readRecord(): Promise<Partial<RunRecord> & { format: typeof RUN_FORMAT }> {
    const record = JSON.parse(await fs.readFile(this.file('record'), 'utf8')) as Partial<RunRecord> | null;
    if (record === null || typeof record !== 'object' || record.format !== RUN_FORMAT) throw new Error('run.json is not a Tensorweave run record');
    return record as Partial<RunRecord> & { format: typeof RUN_FORMAT };
  }

  async hasRecord(): Promise<boolean> {
    return fs.access(this.file('record')).then(
      () => true,
      () => false,
    );
  }

  async writeRecord(record: RunRecord): Promise<void> {
    record.updatedAt = new Date().toISOString();
    await writeFileAtomic(this.file('record'), recordText(record));
  }

  /** For a process on its way out (no await runs after process.exit). */
  writeRecordSync(record: RunRecord): void {
    record.updatedAt = new Date().toISOString();
    writeFileAtomicSync(this.file('record'), recordText(record));
  }

  /**
   * Records in run.json that its trainer died, with the last step it logged.
   * Only a run still `running` is changed: one that ended by itself keeps its end.
   */
  async markEnded(status: 'failed' | 'killed', message: string): Promise<boolean> {
    const record = await this.readRecord();
    if (record.status !== 'running') return false;
    const step = Math.max(record.step ?? 0, await this.lastLoggedStep());
    await writeFileAtomic(this.file('record'), recordText({ ...record, status, step, error: message, updatedAt: new Date().toISOString() }));
    return true;
  }

  /**
   * The same, synchronously, for a process on its way out: a second Ctrl+C
   * or SIGTERM marks the run `killed` before exiting, so a later look tells
   * the truth. Never throws: the process is leaving either way.
   */
  markEndedSync(status: 'failed' | 'killed', message: string): boolean {
    try {
      const record = JSON.parse(readFileSync(this.file('record'), 'utf8')) as RunRecord;
      if (record?.format !== RUN_FORMAT || record.status !== 'running') return false;
      let step = record.step ?? 0;
      const events = (() => {
        try {
          return readFileSync(this.file('events'), 'utf8');
        } catch {
          return '';
        }
      })();
      for (const line of events.split('\n')) {
        try {
          const logged = JSON.parse(line) as { step?: unknown };
          if (typeof logged.step === 'number' && logged.step > step) step = logged.step;
        } catch {
          continue;
        }
      }
      this.writeRecordSync({ ...record, status, step, error: message });
      return true;
    } catch {
      return false;
    }
  }

  // graph.json

  async writeGraph(text: string): Promise<void> {
    await writeFileAtomic(this.file('graph'), text);
  }

  /** The graph as trained, or '' when the folder has none. */
  async readGraphText(): Promise<string> {
    return fs.readFile(this.file('graph'), 'utf8').catch(() => '');
  }

  // events.jsonl

  async openEventLog(): Promise<EventLog> {
    const handle = await fs.open(this.file('events'), 'a');
    return {
      append: async (event) => void (await handle.write(`${JSON.stringify(event)}\n`)),
      close: () => handle.close(),
    };
  }

  /** The logged steps; a line cut off by a crash or a foreign line is skipped, the rest still reads. */
  async readEvents(): Promise<LoggedEvent[]> {
    const events: LoggedEvent[] = [];
    for (const line of await readJsonLines(this.file('events'))) {
      const parsed = loggedEventSchema.safeParse(line);
      if (parsed.success) events.push(parsed.data);
    }
    return events;
  }

  async lastLoggedStep(): Promise<number> {
    let step = 0;
    for (const line of await readJsonLines(this.file('events'))) {
      const logged = line as { step?: unknown } | null;
      if (logged && typeof logged.step === 'number' && logged.step > step) step = logged.step;
    }
    return step;
  }

  /** A resumed run replays the steps after its checkpoint, so their old log lines go. */
  async truncateLogsAfter(step: number): Promise<void> {
    for (const file of [this.file('events'), this.file('metrics')]) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch {
        continue;
      }
      const kept = text
        .split('\n')
        .filter((line) => line.trim().length > 0)
        .filter((line) => {
          try {
            return (JSON.parse(line) as { step: number }).step <= step;
          } catch {
            return false;
          }
        });
      await writeFileAtomic(file, kept.map((l) => `${l}\n`).join(''));
    }
  }

  // metrics.jsonl

  async appendMetrics(line: MetricsLine): Promise<void> {
    await fs.appendFile(this.file('metrics'), `${JSON.stringify(line)}\n`);
  }

  /**
   * The evaluations, one per step: a resumed run appends the steps after its
   * checkpoint again, and the later line of a step wins. A missing file is no
   * metrics; a cut-off or foreign line is skipped.
   */
  async readMetrics(): Promise<{ step: number; metrics: Record<string, number> }[]> {
    const byStep = new Map<number, { step: number; metrics: Record<string, number> }>();
    for (const line of await readJsonLines(this.file('metrics'))) {
      if (typeof line !== 'object' || line === null) continue;
      const { step, metrics } = line as { step?: unknown; metrics?: unknown };
      const parsed = runMetricsSchema.safeParse({ step, metrics });
      if (parsed.success) byStep.set(parsed.data.step, parsed.data);
    }
    return [...byStep.values()].sort((a, b) => a.step - b.step);
  }

  // previews/

  async writePreview(step: number, nodeId: string, port: string, png: Uint8Array): Promise<void> {
    const dir = this.file('previews');
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, previewFileName(step, nodeId, port)), png);
  }

  /** The pictures of the latest preview step, or undefined when there are none. */
  async readLatestPreviews(): Promise<{ step: number; images: { nodeId: string; port: string; title: string; width: number; height: number; pngBase64: string }[] } | undefined> {
    const dir = this.file('previews');
    const names = await fs.readdir(dir).catch(() => [] as string[]);
    const files = names.map((name) => ({ name, parsed: parsePreviewFileName(name) })).filter((f) => f.parsed !== undefined);
    if (files.length === 0) return undefined;
    const step = Math.max(...files.map((f) => f.parsed!.step));
    const images = [];
    let bytes = 0;
    for (const { name, parsed } of files.filter((f) => f.parsed!.step === step).sort((a, b) => a.name.localeCompare(b.name))) {
      const png = await fs.readFile(path.join(dir, name));
      bytes += png.length;
      if (bytes > MAX_PREVIEW_BYTES) break;
      const size = pngSize(png);
      if (!size) continue;
      const { nodeId, port } = parsed!;
      images.push({ nodeId, port, title: `${nodeId}.${port}`, ...size, pngBase64: png.toString('base64') });
    }
    return images.length > 0 ? { step, images } : undefined;
  }

  // checkpoints/

  /** Complete checkpoints, oldest first (a half-written one is still a `.tmp` folder and is not listed). */
  async listCheckpoints(): Promise<{ step: number; dir: string }[]> {
    const names = await fs.readdir(this.file('checkpoints')).catch(() => [] as string[]);
    return names
      .map((name) => ({ step: parseCheckpointName(name), dir: path.join(this.file('checkpoints'), name) }))
      .filter((c): c is { step: number; dir: string } => c.step !== undefined)
      .sort((a, b) => a.step - b.step);
  }

  async latestCheckpoint(): Promise<string | undefined> {
    return (await this.listCheckpoints()).at(-1)?.dir;
  }

  /**
   * Deletes all but the newest `keep` checkpoints, never one of `protect`
   * (the best one). `keep` 0 keeps everything. Returns the removed folders.
   */
  async pruneCheckpoints(keep: number, protect: readonly number[] = []): Promise<string[]> {
    if (keep <= 0) return [];
    const all = await this.listCheckpoints();
    const doomed = all.slice(0, Math.max(0, all.length - keep)).filter((c) => !protect.includes(c.step));
    for (const c of doomed) await fs.rm(c.dir, { recursive: true, force: true });
    return doomed.map((c) => c.dir);
  }
}

function recordText(record: object): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

async function readJsonLines(file: string): Promise<unknown[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const lines: unknown[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      lines.push(JSON.parse(line));
    } catch {
      continue;
    }
  }
  return lines;
}

/** Width and height from a PNG's IHDR chunk; undefined for anything that is not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } | undefined {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}
