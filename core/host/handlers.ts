/**
 * Everything a host does for the editor, independent of transport: Electron's
 * main process (IPC) and the browser mode's local server (WebSocket) both
 * call these, so the two hosts differ only in how messages travel and in
 * whether native dialogs exist.
 *
 * The host stays dumb about graph semantics: it moves text between disk and
 * editor, and the editor validates graphs with core/graph. Every request is
 * validated against the contract on arrival and every response before it
 * leaves, so a fault on either side surfaces as a message naming the channel
 * and field instead of as a confusing failure later.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import {
  APP_CHANNELS,
  AppContractError,
  isAppChannel,
  loggedEventSchema,
  parseAppPush,
  parseAppRequest,
  parseAppResponse,
  runDetailsSchema,
  runMetricsSchema,
  runSummarySchema,
  type AppChannel,
  type AppPush,
  type AppRequest,
  type AppResponse,
} from '../contract/app-api';
import type { TrainerEvent } from '../contract/messages';
import { spawnTrainer, type TrainerHandle } from '../train/host';
import type { RunRecord } from '../train/trainer';
import { findTemplate, type NodeLibrary } from '../library';
import { serializeGraph } from '../graph/serialize';
import { isInside, PathRefusedError, resolveAllowedPath, writeFileAtomic } from './files';

export const MAX_RECENT_FILES = 10;
/** Graph files are small; a larger file is almost surely not a graph and would only stall the editor. */
export const MAX_OPEN_BYTES = 64 * 1024 * 1024;

/** Native dialogs (Electron). Without them the host is confined to the workspace. */
export interface HostDialogs {
  /** Returns the chosen path, or undefined when the user cancels. */
  chooseOpenPath(options: { defaultPath: string }): Promise<string | undefined>;
  chooseSavePath(options: { defaultPath: string; purpose: 'graph' | 'export' }): Promise<string | undefined>;
}

export interface DocumentState {
  dirty: boolean;
  title?: string;
  path?: string;
}

export interface AppHandlerOptions {
  /** The node library the entry point was started with (templates come from it). */
  library: NodeLibrary;
  /** Folder for graph files; in the browser mode, the only folder the editor may touch. */
  workspace: string;
  /** JSON list of recently used files. */
  recentFile: string;
  /** Autosave of the unsaved graph. */
  recoveryFile: string;
  /** Folder in which training creates run folders. */
  runsDir: string;
  host?: 'electron' | 'browser';
  version?: string;
  dialogs?: HostDialogs;
  /** Receives every push (trainer events); validated before it is called. */
  push?: (push: AppPush) => void;
  /** How a trainer is started; a child process by default (Electron passes a utilityProcess). */
  spawnTrainer?: () => TrainerHandle;
  onDocumentState?: (state: DocumentState) => void;
}

export type AppHandlers = {
  [C in AppChannel]: (request: unknown) => Promise<AppResponse<C>>;
} & {
  /** Stops running trainers; call when the host shuts down. */
  dispose(): Promise<void>;
};

type Implementations = { [C in AppChannel]: (request: AppRequest<C>) => Promise<AppResponse<C>> };

const recentListSchema = z.array(z.string());
const recoverySchema = z
  .object({ format: z.literal('tensorweave.recovery'), version: z.literal(1), text: z.string(), path: z.string().optional(), savedAt: z.string() })
  .strict();

export const RUN_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const SKIPPED_FOLDERS = new Set(['node_modules', 'exports']);

export function createAppHandlers(options: AppHandlerOptions): AppHandlers {
  const workspace = path.resolve(options.workspace);
  const runsDir = path.resolve(options.runsDir);
  const host = options.host ?? (options.dialogs ? 'electron' : 'browser');
  const dialogs = options.dialogs;
  /** Paths the user chose in a native dialog this session; Electron may read and write them even outside the workspace. */
  const granted = new Set<string>();
  const sessions = new Map<string, TrainerHandle>();
  const startTrainer = options.spawnTrainer ?? (() => spawnTrainer('process'));

  const emit = (push: AppPush) => {
    if (!options.push) return;
    options.push(parseAppPush(push));
  };

  // With native dialogs, recent files are as good as chosen: the user picked them before.
  const isGranted = (absolute: string) => dialogs !== undefined && granted.has(absolute);
  const allowed = async (requested: string) => {
    if (dialogs) for (const recent of await readRecent()) granted.add(recent);
    return resolveAllowedPath(workspace, requested, isGranted);
  };

  let recentQueue: Promise<unknown> = Promise.resolve();
  async function readRecent(): Promise<string[]> {
    try {
      const parsed = recentListSchema.safeParse(JSON.parse(await fs.readFile(options.recentFile, 'utf8')));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }
  // Saves may overlap (autosave, Save As); updates go one after another so none is lost.
  function addRecent(file: string): Promise<void> {
    const update = recentQueue.then(async () => {
      const list = [file, ...(await readRecent()).filter((entry) => entry !== file)].slice(0, MAX_RECENT_FILES);
      await writeFileAtomic(options.recentFile, `${JSON.stringify(list, null, 2)}\n`);
    });
    recentQueue = update.catch(() => undefined);
    return update;
  }

  async function readText(file: string): Promise<string> {
    let stat;
    try {
      stat = await fs.stat(file);
    } catch (error) {
      throw new Error(describeFsError(error, 'open', file), { cause: error });
    }
    if (stat.isDirectory()) throw new Error(`cannot open ${file}: it is a folder, not a graph file`);
    if (stat.size > MAX_OPEN_BYTES) throw new Error(`cannot open ${file}: it is ${(stat.size / 1048576).toFixed(0)} MiB, larger than any graph file (limit ${MAX_OPEN_BYTES / 1048576} MiB)`);
    try {
      return await fs.readFile(file, 'utf8');
    } catch (error) {
      throw new Error(describeFsError(error, 'open', file), { cause: error });
    }
  }

  async function write(file: string, data: string | Uint8Array): Promise<void> {
    try {
      await writeFileAtomic(file, data);
    } catch (error) {
      throw new Error(describeFsError(error, 'save', file), { cause: error });
    }
  }

  function finishSession(sessionId: string, handle: TrainerHandle) {
    // After its last event the trainer is closing its channel: commands sent now would hit a closed pipe.
    if (sessions.get(sessionId) === handle) sessions.delete(sessionId);
    // It exits by itself; one that lingers is ended so it frees its memory.
    const timer = setTimeout(() => void handle.terminate(), 10_000);
    timer.unref?.();
    void handle.exited.finally(() => clearTimeout(timer));
  }

  const implementations: Implementations = {
    async appInfo() {
      return { version: options.version ?? (await packageVersion()), host, platform: process.platform, workspace };
    },

    async listTemplates() {
      return options.library.templates.map(({ id, title, summary, description, category }) => ({ id, title, summary, description, category }));
    },

    async getTemplate({ id }) {
      const template = findTemplate(options.library, id);
      if (!template) throw new Error(`no template '${id}'; available: ${options.library.templates.map((t) => t.id).join(', ') || '(none)'}`);
      return { text: serializeGraph(template.build()) };
    },

    async openFile(request) {
      let file: string;
      if (request.path === undefined) {
        if (!dialogs) {
          throw new Error("openFile needs a path in the browser mode: list the workspace's graph files with listFiles and pass the chosen file's path");
        }
        const chosen = await dialogs.chooseOpenPath({ defaultPath: workspace });
        if (!chosen) return { canceled: true as const };
        file = path.resolve(chosen);
        granted.add(file);
      } else {
        file = await allowed(request.path);
      }
      const text = await readText(file);
      await addRecent(file);
      return { path: file, name: path.basename(file), text };
    },

    async listFiles() {
      const files: { path: string; name: string; modified: number }[] = [];
      await collectGraphFiles(workspace, 0, files, runsDir);
      return files.sort((a, b) => b.modified - a.modified || a.path.localeCompare(b.path)).slice(0, 1000);
    },

    async saveFile({ path: requested, text }) {
      const file = await allowed(requested);
      await write(file, text);
      await addRecent(file);
      return { path: file, name: path.basename(file) };
    },

    async saveFileAs({ suggestedName, text, name }) {
      let file: string;
      if (dialogs) {
        const chosen = await dialogs.chooseSavePath({ defaultPath: path.join(workspace, path.basename(name ?? suggestedName)), purpose: 'graph' });
        if (!chosen) return { canceled: true as const };
        file = path.resolve(chosen);
      } else {
        const wanted = (name ?? suggestedName).trim();
        if (!wanted) throw new Error('saveFileAs: give the file a name');
        file = await allowed(/\.json$/i.test(wanted) ? wanted : `${wanted}.graph.json`);
      }
      granted.add(file);
      await write(file, text);
      await addRecent(file);
      return { path: file, name: path.basename(file) };
    },

    async exportFile({ suggestedName, data, encoding }) {
      const bytes = encoding === 'base64' ? decodeBase64(data) : Buffer.from(data, 'utf8');
      const baseName = path.basename(suggestedName.trim()) || 'export';
      let file: string;
      if (dialogs) {
        const chosen = await dialogs.chooseSavePath({ defaultPath: path.join(workspace, baseName), purpose: 'export' });
        if (!chosen) return { canceled: true as const };
        file = path.resolve(chosen);
        granted.add(file);
      } else {
        file = await allowed(path.join('exports', baseName));
      }
      await write(file, bytes);
      return { path: file };
    },

    async recentFiles() {
      const list = await readRecent();
      const present = await Promise.all(list.map((file) => fs.access(file).then(() => true, () => false)));
      return list.filter((file, index) => present[index] && (dialogs !== undefined || isInside(workspace, file)));
    },

    async writeRecovery({ text, path: documentPath }) {
      const record = { format: 'tensorweave.recovery', version: 1, text, ...(documentPath !== undefined ? { path: documentPath } : {}), savedAt: new Date().toISOString() };
      await write(options.recoveryFile, JSON.stringify(record));
      return { ok: true as const };
    },

    async readRecovery() {
      let raw: string;
      try {
        raw = await fs.readFile(options.recoveryFile, 'utf8');
      } catch {
        return null;
      }
      try {
        const parsed = recoverySchema.safeParse(JSON.parse(raw));
        if (!parsed.success) return null;
        const { text, path: documentPath, savedAt } = parsed.data;
        return { text, savedAt, ...(documentPath !== undefined ? { path: documentPath } : {}) };
      } catch {
        // A recovery file cut off by the crash it was meant to survive offers nothing to restore.
        return null;
      }
    },

    async clearRecovery() {
      await fs.rm(options.recoveryFile, { force: true });
      return { ok: true as const };
    },

    async startTraining({ graphText, settings }) {
      let resume: string | undefined;
      if (settings.resume !== undefined) {
        resume = path.resolve(runsDir, settings.resume);
        if (!isInside(runsDir, resume) || resume === runsDir) {
          throw new PathRefusedError(`refused resume folder '${settings.resume}': runs are resumed from folders inside ${runsDir}`);
        }
      }
      const sessionId = randomUUID();
      const handle = startTrainer();
      sessions.set(sessionId, handle);
      let runDir: string | undefined;
      handle.onEvent((event: TrainerEvent) => {
        if (event.type === 'started') runDir = event.runDir;
        if (event.type === 'done' || event.type === 'error') finishSession(sessionId, handle);
        // A trainer that died could not record its end: the host does (before telling the editor, whose
        // run history then reads it), so the run does not show as running forever.
        if (event.type === 'error' && event.code === 'crashed' && runDir) {
          void markRunCrashed(runDir, event.message)
            .then(() => emit({ channel: 'trainerEvent', sessionId, event }))
            .catch((error: unknown) => console.error(`tensorweave host: could not report the crash of session ${sessionId}: ${errorMessage(error)}`));
          return;
        }
        emit({ channel: 'trainerEvent', sessionId, event });
      });
      void handle.exited.then(() => {
        if (sessions.get(sessionId) === handle) sessions.delete(sessionId);
      });
      handle.send({ type: 'start', graph: graphText, settings: { ...settings, ...(resume ? { resume } : {}), outDir: runsDir } });
      return { sessionId };
    },

    async controlTraining({ sessionId, command }) {
      const handle = sessions.get(sessionId);
      if (!handle) throw new Error(`no training session '${sessionId}' is running (it may have finished or failed)`);
      try {
        handle.send({ type: command });
      } catch (error) {
        throw new Error(`training session '${sessionId}' did not take '${command}': ${errorMessage(error)}`, { cause: error });
      }
      return { ok: true as const };
    },

    async setDocumentState(state) {
      options.onDocumentState?.(state);
      return { ok: true as const };
    },

    async listRuns() {
      let entries: string[];
      try {
        entries = await fs.readdir(runsDir);
      } catch {
        return [];
      }
      const summaries = await Promise.all(entries.filter((entry) => RUN_ID_PATTERN.test(entry)).map((entry) => readRunSummary(runsDir, entry).catch(() => undefined)));
      return summaries.filter((s) => s !== undefined).sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.runId.localeCompare(b.runId));
    },

    async readRun({ runId }) {
      if (!RUN_ID_PATTERN.test(runId)) throw new PathRefusedError(`refused run id '${runId}': a run id is a folder name inside ${runsDir} (letters, digits, '_', '.', '-')`);
      let summary;
      try {
        summary = await readRunSummary(runsDir, runId);
      } catch (error) {
        throw new Error(`cannot read run '${runId}' in ${runsDir}: ${errorMessage(error)}`, { cause: error });
      }
      const runDir = path.join(runsDir, runId);
      const graphText = await fs.readFile(path.join(runDir, 'graph.json'), 'utf8').catch(() => '');
      const eventsText = await fs.readFile(path.join(runDir, 'events.jsonl'), 'utf8').catch(() => '');
      const events = [];
      for (const line of eventsText.split('\n')) {
        if (!line.trim()) continue;
        try {
          const parsed = loggedEventSchema.safeParse(JSON.parse(line));
          // A line cut off by a crash or a foreign line is skipped; the rest of the log still reads.
          if (parsed.success) events.push(parsed.data);
        } catch {
          continue;
        }
      }
      const details = await readRunDetails(runDir).catch(() => undefined);
      const previews = await readLatestPreviews(path.join(runDir, 'previews')).catch(() => undefined);
      const metrics = await readRunMetrics(path.join(runDir, 'metrics.jsonl'));
      return { summary, graphText, events, ...(details ? { details } : {}), ...(previews ? { previews } : {}), ...(metrics.length > 0 ? { metrics } : {}) };
    },
  };

  const handlers = {} as Record<AppChannel, (request: unknown) => Promise<unknown>>;
  for (const channel of APP_CHANNELS) {
    handlers[channel] = async (raw: unknown) => {
      const request = parseAppRequest(channel, raw);
      const response = await (implementations[channel] as (request: unknown) => Promise<unknown>)(request);
      return parseAppResponse(channel, response);
    };
  }
  return Object.assign(handlers as unknown as AppHandlers, {
    async dispose() {
      const running = [...sessions.values()];
      sessions.clear();
      await Promise.all(running.map((handle) => handle.terminate().catch(() => undefined)));
    },
  });
}

/** Routes a message that named its channel as a string (IPC, WebSocket) to the handler, refusing unknown channels. */
export function dispatchAppRequest(handlers: AppHandlers, channel: unknown, request: unknown): Promise<unknown> {
  if (!isAppChannel(channel)) {
    return Promise.reject(new AppContractError(`unknown channel '${String(channel)}'; known channels: ${APP_CHANNELS.join(', ')}`));
  }
  return handlers[channel](request);
}

/** Error text for the editor: the message, without a stack, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function readRunSummary(runsDir: string, runId: string) {
  const runDir = path.join(runsDir, runId);
  const record = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as Partial<RunRecord>;
  if (record.format !== 'tensorweave.run') throw new Error('run.json is not a Tensorweave run record');
  return runSummarySchema.parse({
    runId,
    runDir,
    graphName: record.graphName,
    graphHash: record.graphHash,
    status: record.status,
    step: record.step,
    totalSteps: record.settings?.steps,
    startedAt: record.startedAt,
    backend: record.backend,
  });
}

/** Records in run.json that its trainer died, with the last step it logged. Best effort: the run folder may be gone. */
export async function markRunCrashed(runDir: string, message: string): Promise<void> {
  try {
    const file = path.join(runDir, 'run.json');
    const record = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<RunRecord>;
    if (record.format !== 'tensorweave.run' || record.status !== 'running') return;
    const events = await fs.readFile(path.join(runDir, 'events.jsonl'), 'utf8').catch(() => '');
    let step = record.step ?? 0;
    for (const line of events.split('\n')) {
      try {
        const logged = JSON.parse(line) as { step?: unknown };
        if (typeof logged.step === 'number' && logged.step > step) step = logged.step;
      } catch {
        continue;
      }
    }
    await writeFileAtomic(file, `${JSON.stringify({ ...record, status: 'failed', step, error: message, updatedAt: new Date().toISOString() }, null, 2)}\n`);
  } catch {
    return;
  }
}

async function readRunDetails(runDir: string) {
  const record = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as Partial<RunRecord>;
  const parsed = runDetailsSchema.safeParse({
    seed: record.seed,
    backendReason: record.backendReason,
    settings: record.settings,
    updatedAt: record.updatedAt,
    ...(record.latestCheckpoint !== undefined ? { latestCheckpoint: record.latestCheckpoint } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
  });
  return parsed.success ? parsed.data : undefined;
}

/**
 * The evaluations in metrics.jsonl, one per step: a resumed run appends the
 * steps after its checkpoint again, and the later line of a step wins. A
 * missing file is no metrics; a cut-off or foreign line is skipped.
 */
async function readRunMetrics(file: string) {
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const byStep = new Map<number, { step: number; metrics: Record<string, number> }>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = runMetricsSchema.safeParse(pickMetricsFields(JSON.parse(line)));
      if (parsed.success) byStep.set(parsed.data.step, parsed.data);
    } catch {
      continue;
    }
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function pickMetricsFields(line: unknown): unknown {
  if (typeof line !== 'object' || line === null) return line;
  const { step, metrics } = line as { step?: unknown; metrics?: unknown };
  return { step, metrics };
}

/** The trainer writes `step-0000100-<node>-<port>.png`; ports are plain identifiers, so the last '-' splits node from port. */
const PREVIEW_FILE = /^step-(\d+)-(.+)-([A-Za-z0-9_]+)\.png$/;
/** Previews of a step for a panel: a few strips of at most four small samples each. */
const MAX_PREVIEW_BYTES = 4 * 1024 * 1024;

async function readLatestPreviews(dir: string) {
  const files = (await fs.readdir(dir)).map((name) => ({ name, match: PREVIEW_FILE.exec(name) })).filter((f) => f.match);
  if (files.length === 0) return undefined;
  const step = Math.max(...files.map((f) => Number(f.match![1])));
  const images = [];
  let bytes = 0;
  for (const { name, match } of files.filter((f) => Number(f.match![1]) === step).sort((a, b) => a.name.localeCompare(b.name))) {
    const png = await fs.readFile(path.join(dir, name));
    bytes += png.length;
    if (bytes > MAX_PREVIEW_BYTES) break;
    const size = pngSize(png);
    if (!size) continue;
    images.push({ nodeId: match![2], port: match![3], title: `${match![2]}.${match![3]}`, ...size, pngBase64: png.toString('base64') });
  }
  return images.length > 0 ? { step, images } : undefined;
}

/** Width and height from a PNG's IHDR chunk; undefined for anything that is not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } | undefined {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('ascii', 12, 16) !== 'IHDR') return undefined;
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

async function collectGraphFiles(folder: string, depth: number, out: { path: string; name: string; modified: number }[], runsDir: string): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(folder, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      // Run folders hold run.json and graph copies; listing them would drown the user's graphs.
      if (depth < 3 && !SKIPPED_FOLDERS.has(entry.name) && full !== runsDir) await collectGraphFiles(full, depth + 1, out, runsDir);
    } else if (entry.isFile() && /\.json$/i.test(entry.name)) {
      const stat = await fs.stat(full).catch(() => undefined);
      if (stat) out.push({ path: full, name: entry.name, modified: stat.mtimeMs });
    }
  }
}

function decodeBase64(data: string): Buffer {
  const compact = data.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw new AppContractError("invalid request on 'exportFile': data: not valid base64 (encode binary exports as base64, or send text with encoding 'utf8')");
  }
  return Buffer.from(compact, 'base64');
}

function describeFsError(error: unknown, action: 'open' | 'save', file: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return action === 'open' ? `cannot open ${file}: no such file` : `cannot save ${file}: its folder does not exist`;
    case 'EACCES':
    case 'EPERM':
      return `cannot ${action} ${file}: permission denied`;
    case 'EISDIR':
      return `cannot ${action} ${file}: it is a folder`;
    case 'ENOSPC':
      return `cannot save ${file}: the disk is full (the previous version of the file is intact)`;
    case 'EROFS':
      return `cannot save ${file}: the file system is read-only`;
    default:
      return `cannot ${action} ${file}: ${errorMessage(error)}`;
  }
}

let cachedVersion: string | undefined;
async function packageVersion(): Promise<string> {
  if (cachedVersion) return cachedVersion;
  try {
    const text = await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8');
    cachedVersion = (JSON.parse(text) as { version?: string }).version ?? '0.0.0';
  } catch {
    cachedVersion = '0.0.0';
  }
  return cachedVersion;
}

/** Where the browser mode keeps things when not told otherwise. */
export function defaultWorkspace(): string {
  return process.env.TENSORWEAVE_WORKSPACE ? path.resolve(process.env.TENSORWEAVE_WORKSPACE) : path.join(os.homedir(), 'Tensorweave');
}
