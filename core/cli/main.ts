/**
 * `tensorweave`: the headless command line. The same graph file the editor
 * saves trains here, on the same engine, through the same trainer contract.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { templates, findTemplate } from '../../nodes/templates';
import { loadGraph } from '../graph/load';
import { serializeGraph } from '../graph/serialize';
import { formatProblem, hasErrors, type Problem } from '../graph/problems';
import { describeGraph, formatFlops, formatCount } from './info';
import { spawnTrainer } from '../train/host';
import type { TrainerEvent } from '../contract/messages';
import { formatValueType } from '../types';
import { defaultRegistries } from '../graph/registries';
import { EXPORT_USAGE, ExportUsageError, exportCommand, exportDataCommand, importWeightsCommand } from './export-commands';

const USAGE = `tensorweave — build, check and train Tensorweave graphs

Usage:
  tensorweave templates                          list the template graphs
  tensorweave new <template> <file.graph.json>   write a template to a file
  tensorweave validate <file>                    exit 0, or 1 with every error on its own line
  tensorweave info <file>                        per node: output shapes, parameters, FLOPs
  tensorweave train <file> [options]             train, writing a run folder
  tensorweave train --resume <runDir>            continue a run from its latest checkpoint
${EXPORT_USAGE}
Train options:
  --steps N          number of steps (default: the graph's training.steps)
  --out DIR          folder for run folders (default: runs)
  --backend NAME     auto | wasm | cpu | node | node-gpu (default: auto)
  --seed N           random seed (default: the graph's)
  --batch-size N     batch size (default: the graph's)
  --log-every N      log every N steps
  --checkpoint-every N
  --eval-every N     measure the graph's metrics (e.g. mask AP) on the validation split every N steps
  --name NAME        run folder name (default: the start time)
  --force            with 'new': overwrite an existing file
`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case 'templates':
      return listTemplates();
    case 'new':
      return newGraph(rest);
    case 'validate':
      return validate(rest);
    case 'info':
      return info(rest);
    case 'train':
      return train(rest);
    case 'export':
      return exportCommand(rest, defaultRegistries());
    case 'export-data':
      return exportDataCommand(rest, defaultRegistries());
    case 'import-weights':
      return importWeightsCommand(rest, defaultRegistries());
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

function listTemplates(): number {
  const width = Math.max(...templates.map((t) => t.id.length));
  for (const t of templates) process.stdout.write(`${t.id.padEnd(width)}  ${t.title} — ${t.summary}\n`);
  return 0;
}

async function newGraph(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean' } } });
  const [templateId, file] = positionals;
  if (!templateId || !file) throw new UsageError('usage: tensorweave new <template> <file.graph.json>');
  const template = findTemplate(templateId);
  if (!template) {
    throw new UsageError(`no template '${templateId}'; run 'tensorweave templates' to list them (${templates.map((t) => t.id).join(', ')})`);
  }
  if (!values.force && (await exists(file))) {
    process.stderr.write(`${file} already exists; pass --force to overwrite it\n`);
    return 1;
  }
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await writeAtomic(file, serializeGraph(template.build()));
  process.stdout.write(`wrote ${file} (${template.title})\n`);
  return 0;
}

async function readGraphFile(file: string | undefined): Promise<{ text: string; file: string }> {
  if (!file) throw new UsageError('give a graph file');
  try {
    return { text: await fs.readFile(file, 'utf8'), file };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${(error as Error).message})`);
  }
}

function printProblems(file: string, problems: Problem[]): void {
  for (const p of problems) process.stdout.write(`${file}: ${formatProblem(p)}\n`);
}

async function validate(args: string[]): Promise<number> {
  const { file, text } = await readGraphFile(args[0]);
  const { graph, problems } = loadGraph(text);
  printProblems(file, problems);
  if (!graph || hasErrors(problems)) return 1;
  process.stdout.write(`${file}: ok — ${graph.nodes.length} nodes, ${graph.edges.length} wires${problems.length ? `, ${problems.length} warning(s)` : ''}\n`);
  return 0;
}

async function info(args: string[]): Promise<number> {
  const { file, text } = await readGraphFile(args[0]);
  const { graph, problems } = loadGraph(text);
  if (!graph || hasErrors(problems)) {
    printProblems(file, problems);
    return 1;
  }
  const rows = describeGraph(graph);
  // Outputs go last: a dataset node lists many, and a wide middle column would pad every row.
  const header = ['node', 'type', 'module', 'params', 'FLOPs/sample', 'outputs'];
  const table = rows.map((r) => [
    r.nodeId,
    r.type,
    r.module,
    formatCount(r.parameters),
    r.flops === undefined ? '—' : formatFlops(r.flops),
    Object.entries(r.outputs)
      .map(([port, t]) => `${port}: ${formatValueType(t)}`)
      .join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  process.stdout.write(`${line(header)}\n${line(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? header[i].length : w)))}\n`);
  for (const row of table) process.stdout.write(`${line(row)}\n`);
  const totalParams = rows.reduce((a, r) => a + r.parameters, 0);
  const totalFlops = rows.reduce((a, r) => a + (r.flops ?? 0), 0);
  process.stdout.write(`\n${graph.name}: ${rows.length} nodes, ${formatCount(totalParams)} parameters (${totalParams}), ${formatFlops(totalFlops)} per sample forward\n`);
  return 0;
}

async function train(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      steps: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
      seed: { type: 'string' },
      'batch-size': { type: 'string' },
      'log-every': { type: 'string' },
      'checkpoint-every': { type: 'string' },
      'eval-every': { type: 'string' },
      name: { type: 'string' },
      resume: { type: 'string' },
    },
  });
  const int = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be a whole number, got '${value}'`);
    return n;
  };
  const backend = values.backend ?? 'auto';
  if (!['auto', 'wasm', 'cpu', 'node', 'node-gpu'].includes(backend)) {
    throw new UsageError(`--backend must be auto, wasm, cpu, node or node-gpu, got '${backend}'`);
  }
  let graphText: string | undefined;
  if (!values.resume) {
    const read = await readGraphFile(positionals[0]);
    const { graph, problems } = loadGraph(read.text);
    if (!graph || hasErrors(problems)) {
      printProblems(read.file, problems);
      return 1;
    }
    graphText = read.text;
  } else if (!(await exists(path.join(values.resume, 'run.json')))) {
    throw new UsageError(`${values.resume} is not a run folder (no run.json)`);
  }

  const settings = {
    steps: int('steps', values.steps),
    seed: int('seed', values.seed),
    batchSize: int('batch-size', values['batch-size']),
    logEvery: int('log-every', values['log-every']),
    checkpointEvery: int('checkpoint-every', values['checkpoint-every']),
    evalEvery: int('eval-every', values['eval-every']),
    backend: backend as 'auto',
    outDir: values.out ?? 'runs',
    runName: values.name,
    resume: values.resume,
  };
  const trainer = spawnTrainer('worker');
  const tty = process.stdout.isTTY === true;
  const progress = new ProgressPrinter(tty);
  let exitCode = 1;
  const finished = new Promise<void>((resolve) => {
    trainer.onEvent((event: TrainerEvent) => {
      switch (event.type) {
        case 'ready':
          trainer.send({ type: 'start', graph: graphText, settings });
          break;
        case 'backend':
          process.stdout.write(`backend: ${event.name} — ${event.reason}\n`);
          break;
        case 'started':
          process.stdout.write(
            `${event.startStep > 0 ? `resuming at step ${event.startStep}` : 'training'}: ${event.totalSteps} steps, batch ${event.batchSize}, seed ${event.seed} → ${event.runDir}\n`,
          );
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
          process.stdout.write(`${event.reason === 'completed' ? 'done' : 'stopped'} at step ${event.step}; run folder: ${event.runDir}\n`);
          exitCode = 0;
          resolve();
          break;
        case 'error':
          progress.finish();
          process.stderr.write(`error (${event.code}): ${event.message}\n`);
          if (event.problems) for (const p of event.problems) process.stderr.write(`  ${formatProblem(p as Problem)}\n`);
          if (event.runDir) process.stderr.write(`the run so far is kept in ${event.runDir}\n`);
          exitCode = 1;
          resolve();
          break;
        default:
          break;
      }
    });
  });
  const interrupt = () => {
    progress.note('stopping after this step (Ctrl+C again to abort)…');
    trainer.send({ type: 'stop' });
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  await finished;
  process.off('SIGINT', interrupt);
  await Promise.race([trainer.exited, new Promise((r) => setTimeout(r, 2000))]);
  await trainer.terminate();
  return exitCode;
}

/** A one-line bar redrawn in place on a terminal; plain lines when piped. */
class ProgressPrinter {
  private drawn = false;

  constructor(private readonly tty: boolean) {}

  update(event: Extract<TrainerEvent, { type: 'progress' }>): void {
    const losses = Object.entries(event.losses)
      .map(([name, v]) => `${name} ${formatLoss(v)}`)
      .join('  ');
    const rate = `${event.stepsPerSec.toFixed(event.stepsPerSec < 10 ? 2 : 1)} steps/s`;
    const eta = `ETA ${formatDuration(event.etaSec)}`;
    if (!this.tty) {
      process.stdout.write(`step ${event.step}/${event.totalSteps}  ${losses}  ${rate}  ${eta}\n`);
      return;
    }
    const width = 24;
    const filled = Math.round((event.step / event.totalSteps) * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const text = `${bar} ${event.step}/${event.totalSteps}  ${losses}  ${rate}  ${eta}`;
    const columns = process.stdout.columns ?? 120;
    process.stdout.write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
    this.drawn = true;
  }

  note(text: string): void {
    if (this.drawn) process.stdout.write('\n');
    this.drawn = false;
    process.stdout.write(`${text}\n`);
  }

  finish(): void {
    if (this.drawn) process.stdout.write('\n');
    this.drawn = false;
  }
}

function formatLoss(v: number): string {
  return Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4);
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await fs.writeFile(tmp, text);
  await fs.rename(tmp, file);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ExportUsageError || (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`tensorweave: ${(error as Error).message}\nRun 'tensorweave help' for usage.\n`);
      process.exit(2);
    }
    process.stderr.write(`tensorweave: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
