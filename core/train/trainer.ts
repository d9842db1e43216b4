/**
 * The training loop. It knows nothing of its caller: it takes a graph and
 * settings, and reports everything through `emit` with the typed contract,
 * so the CLI, the Electron app and the browser host all drive it the same way.
 *
 * Every random draw is a function of (seed, step, node), and batches are a
 * function of (seed, step), so a run resumed from a checkpoint continues
 * exactly as an uninterrupted run would.
 */
import path from 'node:path';
import { tf } from '../tf';
import { CompileError } from '../compile/compiler';
import { NodeRunError } from '../compile/executor';
import { NonFiniteLossError, TrainingSession, type StepResult } from './session';
import { datasetFieldsUsed } from './dataset-node';
import { renderPreviews, selectPreviewPorts, type PreviewPort } from './preview';
import { findEvaluators, type GraphEvaluator } from '../metrics';
import { loadCheckpoint, restoreCheckpoint, saveCheckpoint, type LoadedCheckpoint } from './checkpoint';
import { createRunFolder, currentProcess, DEFAULT_KEEP_CHECKPOINTS, rankingMetric, RunFolder, RUN_FORMAT, type LoggedEvent, type RunRecord } from './run-folder';
import { selectBackend, type BackendChoice } from '../backend/select';
import { batchIndices, makeBatch, openDataset } from '../data/batch';
import { DatasetError, type DatasetSource } from '../data/dataset-api';
import { parseGraphObject, loadGraph } from '../graph/load';
import { graphHash, serializeGraph } from '../graph/serialize';
import { hasErrors } from '../graph/problems';
import type { GraphDocument } from '../graph/schema';
import { trainSettingsSchema, type TrainSettings, type TrainerEvent } from '../contract/messages';
import type { GraphRegistries } from '../graph/registries';
import { nodeIO } from '../node-io';
import type { GraphCheck } from '../graph/validate';

export { datasetFieldsUsed } from './dataset-node';

export type { LoggedEvent, RunRecord } from './run-folder';

class TrainingFailure extends Error {
  constructor(readonly event: Extract<TrainerEvent, { type: 'error' }>) {
    super(event.message);
  }
}

export interface TrainerOptions {
  registries: GraphRegistries;
}

export class Trainer {
  private paused = false;
  private stopRequested = false;
  private wake: (() => void) | undefined;
  private readonly registries: GraphRegistries;

  constructor(
    private readonly emit: (event: TrainerEvent) => void,
    options: TrainerOptions,
  ) {
    // Nodes that read files (a frozen feature network's model) read them here, on the trainer's file system.
    this.registries = { io: nodeIO, ...options.registries };
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wake?.();
  }

  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  /** Trains to completion, stop or failure. Failures are emitted as error events, never thrown. */
  async run(graphInput: unknown, rawSettings: TrainSettings): Promise<void> {
    let session: TrainingSession | undefined;
    let runDir: string | undefined;
    let folder: RunFolder | undefined;
    let record: RunRecord | undefined;
    try {
      const parsedSettings = trainSettingsSchema.safeParse(rawSettings);
      if (!parsedSettings.success) {
        throw new TrainingFailure({ type: 'error', code: 'invalid-command', message: `invalid training settings: ${parsedSettings.error.message}` });
      }
      const settings = parsedSettings.data;

      let checkpoint: LoadedCheckpoint | undefined;
      let previous: RunRecord | undefined;
      let graph: GraphDocument;
      // Loading checked the graph and inferred its shapes; compiling reuses that (a resumed checkpoint's graph is checked again).
      let checked: GraphCheck | undefined;
      if (settings.resume) {
        ({ checkpoint, previous } = await this.readResume(settings.resume));
        graph = checkpoint.graph;
        runDir = settings.resume;
      } else {
        ({ graph, checked } = this.parseGraph(graphInput));
      }

      const seed = settings.seed ?? previous?.seed ?? graph.training.seed;
      // On resume, steps is the step to reach (as in run.json), moreSteps counts from the checkpoint.
      const startAt = checkpoint?.step ?? 0;
      if (settings.steps !== undefined && settings.moreSteps !== undefined) {
        throw new TrainingFailure({ type: 'error', code: 'invalid-command', message: 'give steps (the step to reach) or moreSteps (steps to add), not both' });
      }
      const steps = settings.moreSteps !== undefined ? startAt + settings.moreSteps : (settings.steps ?? previous?.settings.steps ?? graph.training.steps);
      if (checkpoint && settings.steps !== undefined && steps <= startAt) {
        throw new TrainingFailure({
          type: 'error',
          code: 'invalid-command',
          message: `cannot resume to step ${steps}: the run is already at step ${startAt} (steps is the step to reach; to train N more steps, give moreSteps N)`,
        });
      }
      const batchSize = settings.batchSize ?? previous?.settings.batchSize ?? graph.training.batchSize;
      const logEvery = settings.logEvery ?? previous?.settings.logEvery ?? graph.training.logEvery;
      const previewEvery = settings.previewEvery ?? previous?.settings.previewEvery ?? graph.training.previewEvery;
      const checkpointEvery = settings.checkpointEvery ?? previous?.settings.checkpointEvery ?? graph.training.checkpointEvery;
      // Metrics come with every checkpoint unless asked otherwise, and always at the end.
      const evalEvery = settings.evalEvery ?? previous?.settings.evalEvery ?? (checkpointEvery > 0 ? checkpointEvery : steps);
      const keepCheckpoints = settings.keepCheckpoints ?? previous?.settings.keepCheckpoints ?? DEFAULT_KEEP_CHECKPOINTS;

      const backend = await this.chooseBackend(settings.backend);
      this.emit({ type: 'backend', name: backend.name, reason: backend.reason });

      try {
        session = TrainingSession.compile(graph, { registries: this.registries, seed, checked });
      } catch (error) {
        if (error instanceof CompileError) {
          throw new TrainingFailure({ type: 'error', code: 'invalid-graph', message: error.message, problems: error.problems });
        }
        throw error;
      }
      let startStep = 0;
      if (checkpoint) {
        restoreCheckpoint(checkpoint, session.program, session.optimizers.map((o) => o.optimizer));
        startStep = checkpoint.step;
      }

      const source = this.openSource(graph, seed, 'train');
      const fields = datasetFieldsUsed(graph, this.registries);
      const previewPorts = previewEvery > 0 ? selectPreviewPorts(session.program) : [];
      const previewSource = previewPorts.length > 0 ? this.openSource(graph, seed, 'val') : undefined;
      const evaluators = evalEvery > 0 ? findEvaluators(session.program) : [];
      const evalSource = evaluators.length > 0 ? (previewSource ?? this.openSource(graph, seed, 'val')) : undefined;

      const hash = graphHash(graph);
      folder = runDir ? new RunFolder(runDir) : await createRunFolder(settings.outDir, settings.runName);
      runDir = folder.dir;
      // The graph as trained: with the steps this run goes to, not the file's (the hash ignores training settings).
      await folder.writeGraph(serializeGraph({ ...graph, training: { ...graph.training, steps } }));
      if (checkpoint) await folder.truncateLogsAfter(startStep);
      const now = new Date().toISOString();
      record = {
        format: RUN_FORMAT,
        version: 1,
        id: path.basename(runDir),
        graphName: graph.name,
        graphHash: hash,
        seed,
        backend: backend.name,
        backendReason: backend.reason,
        settings: { steps, batchSize, logEvery, previewEvery, checkpointEvery, evalEvery, keepCheckpoints },
        startedAt: previous?.startedAt ?? now,
        updatedAt: now,
        status: 'running',
        step: startStep,
        latestCheckpoint: previous?.latestCheckpoint,
        ...(previous?.bestCheckpoint ? { bestCheckpoint: previous.bestCheckpoint } : {}),
        ...currentProcess(),
      };
      await folder.writeRecord(record);
      this.emit({ type: 'started', runId: record.id, runDir, startStep, totalSteps: steps, graphHash: hash, seed, batchSize });

      const events = await folder.openEventLog();
      const run: RunState = { folder, record, keepCheckpoints, lastMetrics: undefined };
      try {
        let windowStart = performance.now();
        let windowSteps = 0;
        let step = startStep;
        let previewedOnce = false;
        for (; step < steps; step++) {
          if (this.paused) {
            this.emit({ type: 'paused', step });
            const pausedAt = performance.now();
            await this.waitWhilePaused();
            // Time spent paused is not training time: it stays out of steps/s and so out of the ETA.
            windowStart += performance.now() - pausedAt;
            if (!this.stopRequested) this.emit({ type: 'resumed', step });
          }
          if (this.stopRequested) break;

          const batch = makeBatch(source, batchIndices(step, batchSize, source.size, seed), fields);
          let result: StepResult;
          try {
            result = session.step(batch, step);
          } finally {
            tf.dispose(Object.values(batch));
          }
          windowSteps++;
          const done = step + 1;
          if (done % logEvery === 0 || done === steps) {
            const elapsed = (performance.now() - windowStart) / 1000;
            const stepsPerSec = elapsed > 0 ? windowSteps / elapsed : 0;
            const logged: LoggedEvent = { step: done, time: Date.now() / 1000, ...result, stepsPerSec };
            await events.append(logged);
            this.emit({
              type: 'progress',
              ...logged,
              totalSteps: steps,
              etaSec: stepsPerSec > 0 ? (steps - done) / stepsPerSec : 0,
            });
            windowStart = performance.now();
            windowSteps = 0;
          }
          // The first pictures come with the first logged step (a new run shows what it starts from within
          // seconds), then at the preview interval.
          const firstLogged = !previewedOnce && (done % logEvery === 0 || done === steps);
          if (previewSource && (firstLogged || done % previewEvery === 0 || done === steps)) {
            previewedOnce = true;
            const started = performance.now();
            await this.preview(folder, session, previewPorts, previewSource, fields, done, seed, batchSize);
            // Like evaluation, drawing pictures is not training time.
            windowStart += performance.now() - started;
          }
          if (evalSource && (done % evalEvery === 0 || done === steps)) {
            const started = performance.now();
            await this.evaluate(run, evaluators, evalSource, fields, done, seed, batchSize);
            // Evaluation time is not training time: keep it out of steps/s.
            windowStart += performance.now() - started;
          }
          if (checkpointEvery > 0 && done % checkpointEvery === 0 && done !== steps) {
            await this.checkpoint(run, done, session);
          }
          // Let pause/stop messages in between steps.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        await this.checkpoint(run, step, session);
        record.status = step >= steps ? 'completed' : 'stopped';
        record.step = step;
        await folder.writeRecord(record);
        this.emit({ type: 'done', step, reason: step >= steps ? 'completed' : 'stopped', runDir });
      } finally {
        await events.close();
      }
    } catch (error) {
      const event = toErrorEvent(error, runDir);
      if (record && folder) {
        record.status = 'failed';
        record.error = event.message;
        await folder.writeRecord(record).catch(() => undefined);
      }
      this.emit(event);
    } finally {
      session?.dispose();
    }
  }

  private async waitWhilePaused(): Promise<void> {
    while (this.paused && !this.stopRequested) {
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
    this.wake = undefined;
  }

  private parseGraph(input: unknown): { graph: GraphDocument; checked?: GraphCheck } {
    const { graph, problems, inferred } = typeof input === 'string' ? loadGraph(input, this.registries) : parseGraphObject(input, this.registries);
    if (!graph || hasErrors(problems)) {
      const errors = problems.filter((p) => p.severity === 'error');
      throw new TrainingFailure({
        type: 'error',
        code: 'invalid-graph',
        message: `the graph has ${errors.length} error${errors.length === 1 ? '' : 's'}; fix ${errors.length === 1 ? 'it' : 'them'} before training:\n${errors.map((p) => p.message).join('\n')}`,
        problems,
      });
    }
    return { graph, checked: inferred && { problems, inferred } };
  }

  private async readResume(runDir: string): Promise<{ checkpoint: LoadedCheckpoint; previous: RunRecord }> {
    const folder = new RunFolder(runDir);
    let previous: RunRecord;
    try {
      previous = (await folder.readRecord()) as RunRecord;
    } catch (error) {
      throw new TrainingFailure({ type: 'error', code: 'invalid-command', message: `cannot resume: ${runDir} has no readable run.json (${(error as Error).message})` });
    }
    const dir = await folder.latestCheckpoint();
    if (!dir) throw new TrainingFailure({ type: 'error', code: 'invalid-command', message: `cannot resume: ${runDir} has no checkpoint yet` });
    const checkpoint = await loadCheckpoint(dir, (text) => this.parseGraph(text).graph);
    return { checkpoint, previous };
  }

  private async chooseBackend(preference: TrainSettings['backend']): Promise<BackendChoice> {
    try {
      return await selectBackend(preference ?? 'auto');
    } catch (error) {
      throw new TrainingFailure({ type: 'error', code: 'backend', message: (error as Error).message });
    }
  }

  private openSource(graph: GraphDocument, seed: number, split: 'train' | 'val'): DatasetSource {
    try {
      return openDataset(graph.dataset, { seed, split, io: this.registries.io }, this.registries.datasets);
    } catch (error) {
      throw new TrainingFailure({ type: 'error', code: 'dataset', message: (error as Error).message });
    }
  }

  /** Renders the preview ports on the first validation samples (always the same ones, so pictures compare across steps). */
  private async preview(
    folder: RunFolder,
    session: TrainingSession,
    ports: readonly PreviewPort[],
    source: DatasetSource,
    fields: string[],
    step: number,
    seed: number,
    batchSize: number,
  ): Promise<void> {
    const count = Math.max(1, Math.min(4, batchSize, source.size));
    const batch = makeBatch(source, Array.from({ length: count }, (_, i) => i), fields);
    let panels;
    try {
      panels = renderPreviews(session.program, ports, batch, step, seed);
    } finally {
      tf.dispose(Object.values(batch));
    }
    for (const panel of panels) await folder.writePreview(step, panel.nodeId, panel.port, panel.png);
    this.emit({
      type: 'preview',
      step,
      images: panels.map((p) => ({ nodeId: p.nodeId, port: p.port, title: p.title, width: p.width, height: p.height, pngBase64: p.png.toString('base64') })),
    });
  }

  /** Computes every evaluator's metrics on the validation split, appends them to metrics.jsonl and emits them. */
  private async evaluate(
    run: RunState,
    evaluators: readonly GraphEvaluator[],
    source: DatasetSource,
    fields: string[],
    step: number,
    seed: number,
    batchSize: number,
  ): Promise<void> {
    const started = performance.now();
    const metrics: Record<string, number> = {};
    const maxImages = Number.isFinite(source.size) ? source.size : 256;
    for (const evaluator of evaluators) Object.assign(metrics, evaluator.evaluate(source, { fields, batchSize, seed, step, maxImages }));
    // A metric with nothing to measure (no ground truth of any class) is NaN: it is left out rather than logged as a number.
    const finite = Object.fromEntries(Object.entries(metrics).filter(([, v]) => Number.isFinite(v)));
    const seconds = (performance.now() - started) / 1000;
    await run.folder.appendMetrics({ step, time: Date.now() / 1000, split: 'val', metrics: finite, seconds });
    run.lastMetrics = { step, metrics: finite };
    this.emit({ type: 'metrics', step, split: 'val', metrics: finite, seconds });
  }

  /**
   * Saves a checkpoint, remembers it as the best when the evaluation of the
   * same step beats the best so far, and prunes the older ones.
   */
  private async checkpoint(run: RunState, step: number, session: TrainingSession): Promise<void> {
    const { folder, record } = run;
    const dir = await saveCheckpoint(folder.file('checkpoints'), step, session.program, session.optimizers.map((o) => o.optimizer));
    record.latestCheckpoint = path.relative(folder.dir, dir);
    record.step = step;
    const score = run.lastMetrics?.step === step ? rankingMetric(run.lastMetrics.metrics) : undefined;
    if (score && (!record.bestCheckpoint || record.bestCheckpoint.metric !== score.metric || score.value > record.bestCheckpoint.value)) {
      record.bestCheckpoint = { path: record.latestCheckpoint, step, ...score };
    }
    await folder.pruneCheckpoints(run.keepCheckpoints, record.bestCheckpoint ? [record.bestCheckpoint.step] : []);
    await folder.writeRecord(record);
    this.emit({ type: 'checkpoint', step, path: dir });
  }
}

interface RunState {
  folder: RunFolder;
  record: RunRecord;
  keepCheckpoints: number;
  /** The latest validation metrics, which decide whether the checkpoint of the same step is the best. */
  lastMetrics: { step: number; metrics: Record<string, number> } | undefined;
}

function toErrorEvent(error: unknown, runDir: string | undefined): Extract<TrainerEvent, { type: 'error' }> {
  if (error instanceof TrainingFailure) return { ...error.event, ...(runDir ? { runDir } : {}) };
  const message = error instanceof Error ? error.message : String(error);
  const base = runDir ? { runDir } : {};
  if (error instanceof DatasetError) return { type: 'error', code: 'dataset', message, ...base };
  if (error instanceof NonFiniteLossError) {
    return { type: 'error', code: 'non-finite', message: error.message, step: error.step, lossNode: error.lossNode, nodeId: error.culprit?.nodeId ?? error.lossNode, ...base };
  }
  if (error instanceof NodeRunError) return { type: 'error', code: 'internal', message, nodeId: error.nodeId, ...base };
  if (/out of memory|OOM|allocation|Cannot allocate/i.test(message)) {
    return { type: 'error', code: 'out-of-memory', message: `ran out of memory: ${message}. Lower the batch size or image size.`, ...base };
  }
  return { type: 'error', code: 'internal', message: `${message}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`, ...base };
}
