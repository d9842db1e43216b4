/**
 * `tensorweave train`: runs the trainer in a worker thread and prints its
 * events. Interruptions end the way a user (or a cluster) expects: the first
 * Ctrl+C or SIGTERM, or a closed output pipe, stops after the current step
 * with a final checkpoint and run.json `stopped`; a second signal exits at
 * once but first marks run.json `killed`, so a later look tells the truth.
 */
import { formatProblem, hasErrors, type Problem } from '../graph/problems';
import { spawnTrainer } from '../train/host';
import { DEFAULT_KEEP_CHECKPOINTS, RunFolder } from '../train/run-folder';
import type { TrainerEvent, TrainSettings } from '../contract/messages';
import { EXIT, InputError, UsageError, err, onOutputClosed, out, parseOptions, readGraphFile, wholeNumber, type CliApp, type Command } from './command';
import { ProgressPrinter } from './progress';

const BACKENDS = ['auto', 'wasm', 'cpu', 'node', 'node-gpu'] as const;

const OPTIONS = {
  steps: { type: 'string' },
  'more-steps': { type: 'string' },
  resume: { type: 'string' },
  out: { type: 'string' },
  name: { type: 'string' },
  backend: { type: 'string' },
  seed: { type: 'string' },
  'batch-size': { type: 'string' },
  'log-every': { type: 'string' },
  'preview-every': { type: 'string' },
  'checkpoint-every': { type: 'string' },
  'eval-every': { type: 'string' },
  'keep-checkpoints': { type: 'string' },
} as const;

/** Trainer errors that mean the input was wrong (exit 1); the rest are failures of a run that started (exit 3). */
const INPUT_ERRORS = new Set(['invalid-graph', 'invalid-command', 'backend', 'dataset']);

export const trainCommand: Command = {
  usage: '<file.graph.json> [options] | --resume <runDir> [options]',
  summary: 'train a graph, writing a run folder; or continue a run',
  help: `Trains on this machine, printing progress (one redrawn line on a terminal, plain lines
when piped), and writes a run folder: run.json, graph.json, events.jsonl, metrics.jsonl,
checkpoints/, previews/.

Options:
  --steps N             the step to stop at (default: the graph's training.steps). With
                        --resume too it is the step to reach, not a number of more steps
  --more-steps N        with --resume: train N steps past the checkpoint
  --resume DIR          continue the run in DIR from its latest checkpoint
  --out DIR             folder for new run folders (default: runs)
  --name NAME           run folder name (default: the start time)
  --backend NAME        auto | wasm | cpu | node | node-gpu (default: auto)
  --seed N              random seed (default: the graph's)
  --batch-size N        batch size, 1 to 4096 (default: the graph's)
  --log-every N         log every N steps (default: the graph's)
  --preview-every N     draw previews every N steps; 0 never (default: the graph's)
  --checkpoint-every N  checkpoint every N steps; 0 only at the end (default: the graph's)
  --eval-every N        measure the graph's metrics (e.g. mask AP) on the validation split
                        every N steps; 0 never (default: with every checkpoint)
  --keep-checkpoints N  keep the newest N checkpoints, plus the best one where the graph has
                        a validation metric; 0 keeps all (default: ${DEFAULT_KEEP_CHECKPOINTS})

Ctrl+C or SIGTERM stops after the current step with a final checkpoint (exit 130 or 143);
a second one exits at once and marks the run 'killed'.`,
  run: train,
};

async function train(args: string[], app: CliApp): Promise<number> {
  const { values, positionals } = parseOptions('train', args, OPTIONS);
  const resume = values.resume as string | undefined;
  if (resume !== undefined && positionals.length > 0) {
    throw new UsageError(`train: give a graph file or --resume <runDir>, not both (got '${positionals.join("', '")}' too)`);
  }
  if (resume === undefined && positionals.length === 0) throw new UsageError('train: give a graph file, or --resume <runDir>');
  if (positionals.length > 1) throw new UsageError(`train: one graph file at a time; extra argument${positionals.length > 2 ? 's' : ''} '${positionals.slice(1).join("', '")}'`);
  if (values['more-steps'] !== undefined && resume === undefined) throw new UsageError('train: --more-steps is for --resume; for a new run give --steps');
  if (values['more-steps'] !== undefined && values.steps !== undefined) {
    throw new UsageError('train: give --steps (the step to reach) or --more-steps (steps to add), not both');
  }
  const backend = (values.backend as string | undefined) ?? 'auto';
  if (!(BACKENDS as readonly string[]).includes(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
  const name = values.name as string | undefined;
  if (name !== undefined && !/^[A-Za-z0-9_.-]+$/.test(name)) throw new UsageError(`--name must be a folder name of letters, digits, '_', '.' and '-', got '${name}'`);
  const settings: TrainSettings = {
    steps: wholeNumber('steps', values.steps, 1),
    moreSteps: wholeNumber('more-steps', values['more-steps'], 1),
    seed: wholeNumber('seed', values.seed, 0),
    batchSize: wholeNumber('batch-size', values['batch-size'], 1, 4096),
    logEvery: wholeNumber('log-every', values['log-every'], 1),
    previewEvery: wholeNumber('preview-every', values['preview-every'], 0),
    checkpointEvery: wholeNumber('checkpoint-every', values['checkpoint-every'], 0),
    evalEvery: wholeNumber('eval-every', values['eval-every'], 0),
    keepCheckpoints: wholeNumber('keep-checkpoints', values['keep-checkpoints'], 0),
    backend: backend as TrainSettings['backend'],
    outDir: (values.out as string | undefined) ?? 'runs',
    runName: name,
    resume,
  };
  // Absent options stay absent: the trainer then takes the graph's (or the resumed run's) values.
  for (const key of Object.keys(settings) as (keyof TrainSettings)[]) if (settings[key] === undefined) delete settings[key];

  let graphText: string | undefined;
  if (resume === undefined) {
    const file = positionals[0];
    graphText = await readGraphFile(file);
    // Loaded here, after the command line checked out: a usage error answers without loading every node.
    const { loadGraph } = await import('../graph/load');
    const { graph, problems } = loadGraph(graphText, await app.library());
    // Warnings are printed too: training a graph whose generator no optimizer updates must not look fine.
    for (const p of problems) out(`${file}: ${formatProblem(p)}\n`);
    if (!graph || hasErrors(problems)) return EXIT.invalidInput;
  } else if (!(await new RunFolder(resume).hasRecord())) {
    throw new InputError(`${resume} is not a run folder (no run.json)`);
  }

  return runTrainer(graphText, settings);
}

async function runTrainer(graphText: string | undefined, settings: TrainSettings): Promise<number> {
  const trainer = spawnTrainer('worker');
  const progress = new ProgressPrinter({ write: out, get columns() { return process.stdout.columns; } }, process.stdout.isTTY === true);
  let runDir: string | undefined;
  /** Why the run was asked to stop, which decides the exit code of a stopped run. */
  let stopCause: 'SIGINT' | 'SIGTERM' | 'output' | undefined;
  let exitCode: number = EXIT.failed;
  let ready = false;

  const finished = new Promise<void>((resolve) => {
    trainer.onEvent((event: TrainerEvent) => {
      switch (event.type) {
        case 'ready':
          ready = true;
          trainer.send({ type: 'start', graph: graphText, settings });
          // A signal that came before the trainer was ready still stops it, after its first step at most.
          if (stopCause) trainer.send({ type: 'stop' });
          break;
        case 'backend':
          out(`backend: ${event.name} — ${event.reason}\n`);
          break;
        case 'started':
          runDir = event.runDir;
          out(`${event.startStep > 0 ? `resuming at step ${event.startStep}` : 'training'}: ${event.totalSteps} steps, batch ${event.batchSize}, seed ${event.seed} → ${event.runDir}\n`);
          break;
        case 'progress':
          progress.update(event);
          break;
        case 'checkpoint':
          progress.note(`checkpoint at step ${event.step}: ${event.path}`);
          break;
        case 'metrics':
          progress.note(
            `metrics at step ${event.step} (${event.split}): ${Object.entries(event.metrics)
              .map(([name, value]) => `${name} ${value.toFixed(3)}`)
              .join('  ')}`,
          );
          break;
        case 'done':
          progress.finish();
          out(`${event.reason === 'completed' ? 'done' : 'stopped'} at step ${event.step}; run folder: ${event.runDir}\n`);
          exitCode = event.reason === 'completed' ? EXIT.ok : stopCause === 'SIGTERM' ? EXIT.terminated : stopCause === 'output' ? EXIT.outputClosed : EXIT.interrupted;
          resolve();
          break;
        case 'error':
          progress.finish();
          err(`error (${event.code}): ${event.message}\n`);
          if (event.problems) for (const p of event.problems) err(`  ${formatProblem(p as Problem)}\n`);
          if (event.runDir) err(`the run so far is kept in ${event.runDir}\n`);
          exitCode = INPUT_ERRORS.has(event.code) ? EXIT.invalidInput : EXIT.failed;
          resolve();
          break;
        default:
          break;
      }
    });
  });

  const requestStop = (cause: NonNullable<typeof stopCause>) => {
    stopCause = cause;
    // Before 'ready' the stop waits: sent first, it would end the trainer before 'start' arrives.
    if (ready) trainer.send({ type: 'stop' });
  };
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (!stopCause) {
      progress.note(`${signal === 'SIGINT' ? 'Ctrl+C' : 'SIGTERM'}: stopping after this step with a final checkpoint (Ctrl+C again to quit at once)…`);
      requestStop(signal);
      return;
    }
    // Second signal: no final checkpoint. Say so in run.json at once, synchronously, in case a SIGKILL follows.
    const folder = runDir ? new RunFolder(runDir) : undefined;
    const message = `killed by ${signal} before its final checkpoint; resume continues from the latest checkpoint`;
    const killed = folder?.markEndedSync('killed', message) ?? false;
    err(`\n${signal}: quit at once${killed ? `; ${runDir} is marked killed` : ''}\n`);
    // The trainer may be mid-write of run.json (its last checkpoint still says `running`): end it, then mark
    // again, so its write cannot land after ours. A run that did reach `stopped` meanwhile keeps it.
    const code = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
    const quit = () => {
      if (killed) folder?.markEndedSync('killed', message);
      process.exit(code);
    };
    void Promise.race([trainer.terminate(), new Promise((r) => setTimeout(r, 1000))]).then(quit, quit);
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  // Nobody reads the output any more (`| head`): stop as cleanly as for Ctrl+C, quietly.
  const offOutputClosed = onOutputClosed(() => {
    if (!stopCause) requestStop('output');
  });
  try {
    await finished;
  } finally {
    offOutputClosed();
  }
  await Promise.race([trainer.exited, new Promise((r) => setTimeout(r, 2000))]);
  await trainer.terminate();
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  return exitCode;
}
