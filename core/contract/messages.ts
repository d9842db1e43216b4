/**
 * The typed message contract between a UI (Electron renderer, browser, CLI)
 * and a trainer running in another thread or process. Defined once here and
 * reused by every transport: worker_threads, Electron's utilityProcess and
 * IPC, and the browser host's WebSocket. Both directions are validated with
 * zod on arrival, because nothing that crosses a process boundary is trusted.
 */
import { z } from 'zod';

export const CONTRACT_VERSION = 1;

export const backendPreferenceSchema = z.enum(['auto', 'wasm', 'cpu', 'node', 'node-gpu']);

export const trainSettingsSchema = z
  .object({
    /** Overrides the graph's training.steps: the step to reach, also when resuming. */
    steps: z.number().int().min(1).optional(),
    /** When resuming: train this many steps past the checkpoint (instead of steps). */
    moreSteps: z.number().int().min(1).optional(),
    /** Keep the newest N checkpoints (and the best one); 0 keeps all. Default 3. */
    keepCheckpoints: z.number().int().min(0).optional(),
    batchSize: z.number().int().min(1).max(4096).optional(),
    seed: z.number().int().min(0).optional(),
    backend: backendPreferenceSchema.default('auto'),
    /** Folder in which a new run folder is created. */
    outDir: z.string().min(1),
    logEvery: z.number().int().min(1).optional(),
    previewEvery: z.number().int().min(0).optional(),
    checkpointEvery: z.number().int().min(0).optional(),
    /**
     * Compute the graph's metrics (box/mask AP for instance segmentation) on the
     * validation split every N steps and at the end; 0 never. Default: with
     * every checkpoint. Graphs without evaluable nodes have no metrics.
     */
    evalEvery: z.number().int().min(0).optional(),
    /** A run folder to continue from its latest checkpoint. */
    resume: z.string().optional(),
    /** Name for the run folder; generated from the time when absent. */
    runName: z.string().regex(/^[A-Za-z0-9_.-]+$/).optional(),
  })
  .strict();

export type TrainSettings = z.input<typeof trainSettingsSchema>;

export const trainerCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), graph: z.unknown(), settings: trainSettingsSchema }).strict(),
  z.object({ type: z.literal('pause') }).strict(),
  z.object({ type: z.literal('resume') }).strict(),
  z.object({ type: z.literal('stop') }).strict(),
]);

export type TrainerCommand = z.input<typeof trainerCommandSchema>;

const problemSchema = z.object({
  severity: z.enum(['error', 'warning']),
  code: z.string(),
  message: z.string(),
  nodeId: z.string().optional(),
  port: z.string().optional(),
  param: z.string().optional(),
  path: z.array(z.union([z.string(), z.number()])).optional(),
});

const finiteRecord = z.record(z.string(), z.number());

export const previewImageSchema = z.object({
  nodeId: z.string(),
  port: z.string(),
  title: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  /** PNG bytes, base64-encoded so every transport can carry them as text. */
  pngBase64: z.string(),
});

export const trainerEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), contractVersion: z.number().int() }).strict(),
  z
    .object({
      type: z.literal('backend'),
      name: z.string(),
      reason: z.string(),
    })
    .strict(),
  z
    .object({
      type: z.literal('started'),
      runId: z.string(),
      runDir: z.string(),
      startStep: z.number().int().min(0),
      totalSteps: z.number().int().min(1),
      graphHash: z.string(),
      seed: z.number().int(),
      batchSize: z.number().int(),
    })
    .strict(),
  z
    .object({
      type: z.literal('progress'),
      step: z.number().int(),
      totalSteps: z.number().int(),
      time: z.number(),
      /** Unweighted value of each loss node, by node id. */
      losses: finiteRecord,
      /** Weighted objective of each optimizer, by optimizer id. */
      totals: finiteRecord,
      lr: finiteRecord,
      stepsPerSec: z.number(),
      etaSec: z.number(),
    })
    .strict(),
  z
    .object({
      type: z.literal('preview'),
      step: z.number().int(),
      images: z.array(previewImageSchema),
    })
    .strict(),
  z.object({ type: z.literal('checkpoint'), step: z.number().int(), path: z.string() }).strict(),
  z
    .object({
      type: z.literal('metrics'),
      step: z.number().int(),
      split: z.enum(['train', 'val']),
      /** Metric values by name, e.g. 'segm/AP50'; metrics with nothing to measure are left out. */
      metrics: finiteRecord,
      /** Time the evaluation took. */
      seconds: z.number(),
    })
    .strict(),
  z.object({ type: z.literal('paused'), step: z.number().int() }).strict(),
  z.object({ type: z.literal('resumed'), step: z.number().int() }).strict(),
  z
    .object({
      type: z.literal('done'),
      step: z.number().int(),
      reason: z.enum(['completed', 'stopped']),
      runDir: z.string(),
    })
    .strict(),
  z
    .object({
      type: z.literal('error'),
      code: z.enum(['invalid-graph', 'invalid-command', 'backend', 'dataset', 'non-finite', 'out-of-memory', 'crashed', 'internal']),
      message: z.string(),
      step: z.number().int().optional(),
      nodeId: z.string().optional(),
      lossNode: z.string().optional(),
      problems: z.array(problemSchema).optional(),
      runDir: z.string().optional(),
    })
    .strict(),
]);

export type TrainerEvent = z.output<typeof trainerEventSchema>;
export type TrainerEventOf<T extends TrainerEvent['type']> = Extract<TrainerEvent, { type: T }>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodType<T>, message: unknown, what: string): ParseResult<T> {
  const result = schema.safeParse(message);
  if (result.success) return { ok: true, value: result.data };
  const details = result.error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error: `invalid ${what}: ${details}` };
}

export const parseTrainerCommand = (message: unknown) => parseWith(trainerCommandSchema, message, 'trainer command');
export const parseTrainerEvent = (message: unknown) => parseWith(trainerEventSchema, message, 'trainer event');
