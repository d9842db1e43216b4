/**
 * Training sessions and run history, on the host side: starts trainers for
 * the editor, relays their events, and reads run folders back (through
 * core/train/run-folder, which owns their layout).
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { parseAppPush, runDetailsSchema, runSummarySchema, type AppPush, type AppRequest, type AppResponse } from '../contract/app-api';
import type { TrainerEvent } from '../contract/messages';
import { spawnTrainer, type TrainerHandle } from '../train/host';
import { effectiveStatus, RunFolder, RUN_ID_PATTERN, type RunRecord } from '../train/run-folder';
import { isInside, PathRefusedError } from './files';
import { errorMessage } from './errors';

export { RUN_ID_PATTERN };

export interface SessionOptions {
  /** Folder in which training creates run folders; runs are resumed and read only from inside it. */
  runsDir: string;
  /** Receives every push (trainer events); validated before it is called. */
  push?: (push: AppPush) => void;
  /** How a trainer is started; a child process by default (Electron passes a utilityProcess). */
  spawnTrainer?: () => TrainerHandle;
}

export const SESSION_CHANNELS = ['startTraining', 'controlTraining', 'listRuns', 'readRun'] as const;
export type SessionChannel = (typeof SESSION_CHANNELS)[number];

export type SessionHandlers = { [C in SessionChannel]: (request: AppRequest<C>) => Promise<AppResponse<C>> } & {
  /** Stops running trainers; call when the host shuts down. */
  dispose(): Promise<void>;
};

export function createSessionHandlers(options: SessionOptions): SessionHandlers {
  const runsDir = path.resolve(options.runsDir);
  const sessions = new Map<string, TrainerHandle>();
  const startTrainer = options.spawnTrainer ?? (() => spawnTrainer('process'));

  const emit = (push: AppPush) => {
    if (!options.push) return;
    options.push(parseAppPush(push));
  };

  function finishSession(sessionId: string, handle: TrainerHandle) {
    // After its last event the trainer is closing its channel: commands sent now would hit a closed pipe.
    if (sessions.get(sessionId) === handle) sessions.delete(sessionId);
    // It exits by itself; one that lingers is ended so it frees its memory.
    const timer = setTimeout(() => void handle.terminate(), 10_000);
    timer.unref?.();
    void handle.exited.finally(() => clearTimeout(timer));
  }

  return {
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

    async listRuns() {
      let entries: string[];
      try {
        entries = await fs.readdir(runsDir);
      } catch {
        return [];
      }
      const summaries = await Promise.all(entries.filter((entry) => RUN_ID_PATTERN.test(entry)).map((entry) => readRunSummary(new RunFolder(path.join(runsDir, entry))).catch(() => undefined)));
      return summaries.filter((s) => s !== undefined).sort((a, b) => b.startedAt.localeCompare(a.startedAt) || a.runId.localeCompare(b.runId));
    },

    async readRun({ runId }) {
      if (!RUN_ID_PATTERN.test(runId)) throw new PathRefusedError(`refused run id '${runId}': a run id is a folder name inside ${runsDir} (letters, digits, '_', '.', '-')`);
      const folder = new RunFolder(path.join(runsDir, runId));
      let record;
      try {
        record = await folder.readRecord();
      } catch (error) {
        throw new Error(`cannot read run '${runId}' in ${runsDir}: ${errorMessage(error)}`, { cause: error });
      }
      const summary = runSummary(folder, record);
      const graphText = await folder.readGraphText();
      const events = await folder.readEvents();
      const details = runDetails(record);
      const previews = await folder.readLatestPreviews().catch(() => undefined);
      const metrics = await folder.readMetrics();
      return { summary, graphText, events, ...(details ? { details } : {}), ...(previews ? { previews } : {}), ...(metrics.length > 0 ? { metrics } : {}) };
    },

    async dispose() {
      const running = [...sessions.values()];
      sessions.clear();
      await Promise.all(running.map((handle) => handle.terminate().catch(() => undefined)));
    },
  };
}

async function readRunSummary(folder: RunFolder) {
  return runSummary(folder, await folder.readRecord());
}

/** The summary the run list shows; a run left `running` by a process that died reads as `crashed`. */
function runSummary(folder: RunFolder, record: Partial<RunRecord>) {
  return runSummarySchema.parse({
    runId: folder.id,
    runDir: folder.dir,
    graphName: record.graphName,
    graphHash: record.graphHash,
    status: record.status === undefined ? undefined : effectiveStatus({ status: record.status, pid: record.pid, hostname: record.hostname }),
    step: record.step,
    totalSteps: record.settings?.steps,
    startedAt: record.startedAt,
    backend: record.backend,
  });
}

function runDetails(record: Partial<RunRecord>) {
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

/** Records in run.json that its trainer died, with the last step it logged. Best effort: the run folder may be gone. */
export async function markRunCrashed(runDir: string, message: string): Promise<void> {
  await new RunFolder(runDir).markEnded('failed', message).catch(() => undefined);
}
