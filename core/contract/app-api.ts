/**
 * The contract between the editor (renderer) and its host: Electron's main
 * process, or the local Node host behind the browser mode. One table of
 * channels, each with a zod schema for its request and its response, so that
 * the preload exposes one named function per channel, the WebSocket host
 * dispatches on the same names, and both validate every message that
 * crosses. Pushed events (training progress) use the trainer contract.
 */
import { z } from 'zod';
import { previewImageSchema, trainSettingsSchema, trainerEventSchema } from './messages';

const canceled = z.object({ canceled: z.literal(true) }).strict();

const fileContent = z
  .object({
    path: z.string(),
    /** File name shown in the title bar; the user's name is kept on re-save. */
    name: z.string(),
    text: z.string(),
  })
  .strict();

export const templateSummarySchema = z
  .object({
    id: z.string(),
    title: z.string(),
    summary: z.string(),
    description: z.string(),
    category: z.string(),
  })
  .strict();

export const runSummarySchema = z
  .object({
    runId: z.string(),
    runDir: z.string(),
    graphName: z.string(),
    graphHash: z.string(),
    /** `killed`: ended by a second Ctrl+C or SIGTERM; `crashed`: still `running` in run.json, but its process is gone. */
    status: z.enum(['running', 'completed', 'stopped', 'failed', 'killed', 'crashed']),
    step: z.number().int(),
    totalSteps: z.number().int(),
    startedAt: z.string(),
    backend: z.string(),
  })
  .strict();

export const loggedEventSchema = z
  .object({
    step: z.number().int(),
    time: z.number(),
    losses: z.record(z.string(), z.number()),
    totals: z.record(z.string(), z.number()),
    lr: z.record(z.string(), z.number()),
    stepsPerSec: z.number(),
  })
  .strict();

/** What run.json records beyond the summary: how the run was configured, and how it ended. */
export const runDetailsSchema = z
  .object({
    seed: z.number().int(),
    backendReason: z.string(),
    settings: z
      .object({
        steps: z.number().int(),
        batchSize: z.number().int(),
        logEvery: z.number().int(),
        previewEvery: z.number().int(),
        checkpointEvery: z.number().int(),
      })
      // Newer trainers record more settings; the ones listed here are what every run has.
      .strip(),
    updatedAt: z.string(),
    latestCheckpoint: z.string().optional(),
    /** Why a failed run failed. */
    error: z.string().optional(),
  })
  .strict();

/**
 * One evaluation of a run (a line of its metrics.jsonl): metric values by
 * name, e.g. 'segm/AP50'. The trainer's line carries more (time, split,
 * seconds); the history needs only these.
 */
export const runMetricsSchema = z.object({ step: z.number().int(), metrics: z.record(z.string(), z.number()) }).strict();

/** The pictures of a run's latest preview step, as the trainer wrote them to previews/. */
export const runPreviewsSchema = z.object({ step: z.number().int(), images: z.array(previewImageSchema) }).strict();

/**
 * Every request/response channel. Names are stable: the preload exposes
 * each as a function of the same name under `window.tensorweave`.
 */
export const appChannels = {
  appInfo: {
    request: z.object({}).strict(),
    response: z.object({ version: z.string(), host: z.enum(['electron', 'browser']), platform: z.string(), workspace: z.string() }).strict(),
  },
  listTemplates: {
    request: z.object({}).strict(),
    response: z.array(templateSummarySchema),
  },
  /** A template as a new untitled graph file's text. */
  getTemplate: {
    request: z.object({ id: z.string() }).strict(),
    response: z.object({ text: z.string() }).strict(),
  },
  /** Without a path, shows an open dialog (native in Electron, the host's file list in the browser). */
  openFile: {
    request: z.object({ path: z.string().optional() }).strict(),
    response: z.union([fileContent, canceled]),
  },
  /** Graph files in the workspace folder, for the browser mode's open dialog. */
  listFiles: {
    request: z.object({}).strict(),
    response: z.array(z.object({ path: z.string(), name: z.string(), modified: z.number() }).strict()),
  },
  /** Atomic write (temporary file, then rename) to a path the user chose earlier. */
  saveFile: {
    request: z.object({ path: z.string(), text: z.string() }).strict(),
    response: z.object({ path: z.string(), name: z.string() }).strict(),
  },
  /** Asks for a path (dialog, or `name` in the workspace in the browser) and writes atomically. */
  saveFileAs: {
    request: z.object({ suggestedName: z.string(), text: z.string(), name: z.string().optional() }).strict(),
    response: z.union([z.object({ path: z.string(), name: z.string() }).strict(), canceled]),
  },
  /** Exported pictures and JSON: base64 for binary formats. */
  exportFile: {
    request: z.object({ suggestedName: z.string(), data: z.string(), encoding: z.enum(['utf8', 'base64']) }).strict(),
    response: z.union([z.object({ path: z.string() }).strict(), canceled]),
  },
  recentFiles: {
    request: z.object({}).strict(),
    response: z.array(z.string()),
  },
  /** Autosave of the unsaved graph, offered back after a crash. */
  writeRecovery: {
    request: z.object({ text: z.string(), path: z.string().optional() }).strict(),
    response: z.object({ ok: z.literal(true) }).strict(),
  },
  readRecovery: {
    request: z.object({}).strict(),
    response: z.union([z.object({ text: z.string(), path: z.string().optional(), savedAt: z.string() }).strict(), z.null()]),
  },
  clearRecovery: {
    request: z.object({}).strict(),
    response: z.object({ ok: z.literal(true) }).strict(),
  },
  /** Starts training in a separate trainer process; events arrive on the trainer event stream. */
  startTraining: {
    request: z.object({ graphText: z.string(), settings: trainSettingsSchema.omit({ outDir: true }).partial({ backend: true }) }).strict(),
    response: z.object({ sessionId: z.string() }).strict(),
  },
  controlTraining: {
    request: z.object({ sessionId: z.string(), command: z.enum(['pause', 'resume', 'stop']) }).strict(),
    response: z.object({ ok: z.literal(true) }).strict(),
  },
  /**
   * The editor reports its document state whenever it changes: the window
   * title follows it, and closing a dirty window asks to save first (Electron;
   * the browser mode's page uses beforeunload and may ignore the answer).
   */
  setDocumentState: {
    request: z.object({ dirty: z.boolean(), title: z.string().optional(), path: z.string().optional() }).strict(),
    response: z.object({ ok: z.literal(true) }).strict(),
  },
  listRuns: {
    request: z.object({}).strict(),
    response: z.array(runSummarySchema),
  },
  readRun: {
    request: z.object({ runId: z.string() }).strict(),
    response: z
      .object({
        summary: runSummarySchema,
        graphText: z.string(),
        events: z.array(loggedEventSchema),
        /** Absent when run.json lacks the fields (older or foreign records). */
        details: runDetailsSchema.optional(),
        previews: runPreviewsSchema.optional(),
        /** Each evaluation in step order; absent for runs that measured nothing (graphs without evaluable nodes, older runs). */
        metrics: z.array(runMetricsSchema).optional(),
      })
      .strict(),
  },
} as const;

export type AppChannel = keyof typeof appChannels;
export type AppRequest<C extends AppChannel> = z.input<(typeof appChannels)[C]['request']>;
export type AppResponse<C extends AppChannel> = z.output<(typeof appChannels)[C]['response']>;

/**
 * Commands of the native menu (Electron). The menu shows the shortcuts but
 * leaves the keys to the editor, which handles them itself in both hosts; a
 * click on a menu item arrives as one of these. 'openRecent' carries a path.
 * Cut, copy and paste are the native roles: they raise the DOM's
 * cut/copy/paste events, which work in text fields and which the canvas
 * handles for nodes, so they need no command here.
 */
export const menuCommands = [
  'new',
  'open',
  'openRecent',
  'save',
  'saveAs',
  'exportJson',
  'exportPng',
  'exportSvg',
  'templates',
  'undo',
  'redo',
  'pasteWithWires',
  'delete',
  'selectAll',
  'group',
  'toggleMinimap',
  'fitView',
  'autoLayout',
  'toggleTheme',
  'zoomIn',
  'zoomOut',
  'train',
  'pauseTraining',
  'stopTraining',
  'shortcuts',
  'about',
] as const;
export type MenuCommand = (typeof menuCommands)[number];

/** What the host pushes to the editor: trainer events tagged with the training session they belong to. */
export const appPushSchema = z
  .object({
    channel: z.literal('trainerEvent'),
    sessionId: z.string(),
    event: trainerEventSchema,
  })
  .strict();
export type AppPush = z.output<typeof appPushSchema>;

/** A click in the native menu (Electron only), delivered through HostApi.onMenuCommand. */
export const menuCommandMessageSchema = z
  .object({
    command: z.enum(menuCommands),
    /** The file of an 'openRecent' command. */
    path: z.string().optional(),
  })
  .strict();
export type MenuCommandMessage = z.output<typeof menuCommandMessageSchema>;

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

export function parseMenuCommand(message: unknown): MenuCommandMessage {
  const result = menuCommandMessageSchema.safeParse(message);
  if (!result.success) throw new AppContractError(`invalid menu command: ${describe(result.error)}`);
  return result.data;
}

export function parseAppPush(push: unknown): AppPush {
  const result = appPushSchema.safeParse(push);
  if (!result.success) {
    throw new AppContractError(`invalid push: ${describe(result.error)}`);
  }
  return result.data;
}

/** The editor's view of its host: one async function per channel, plus the push stream. */
export type HostApi = { [C in AppChannel]: (request: AppRequest<C>) => Promise<AppResponse<C>> } & {
  onPush(listener: (push: AppPush) => void): () => void;
  /** Native menu clicks; present in Electron only (the browser has no native menu). Returns an unsubscribe function. */
  onMenuCommand?(listener: (message: MenuCommandMessage) => void): () => void;
};

export class AppContractError extends Error {}

/** Validates a request on arrival at the host; throws an error naming the channel and field. */
export function parseAppRequest<C extends AppChannel>(channel: C, request: unknown): AppRequest<C> {
  // Own keys only: a channel named 'toString' or '__proto__' must not reach Object.prototype.
  if (!isAppChannel(channel)) throw new AppContractError(`unknown channel '${String(channel)}'; known channels: ${APP_CHANNELS.join(', ')}`);
  const spec = appChannels[channel];
  const result = spec.request.safeParse(request ?? {});
  if (!result.success) {
    throw new AppContractError(`invalid request on '${channel}': ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data as AppRequest<C>;
}

export function parseAppResponse<C extends AppChannel>(channel: C, response: unknown): AppResponse<C> {
  const result = appChannels[channel].response.safeParse(response);
  if (!result.success) {
    throw new AppContractError(`invalid response on '${channel}': ${result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return result.data as AppResponse<C>;
}

export const APP_CHANNELS = Object.keys(appChannels) as AppChannel[];

export function isAppChannel(channel: unknown): channel is AppChannel {
  return typeof channel === 'string' && Object.prototype.hasOwnProperty.call(appChannels, channel);
}
