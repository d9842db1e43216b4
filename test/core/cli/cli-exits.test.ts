/**
 * How the command line ends, run as a user runs it (a real process): every
 * file given is checked, bad command lines get one line and exit 2, and a
 * training run interrupted by Ctrl+C, SIGTERM or a closed pipe leaves run.json
 * telling the truth.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serializeGraph } from '../../../core/graph/serialize';
import { tempDir, tinyRegressor } from '../train/helpers';

const bin = fileURLToPath(new URL('../../../core/cli/bin.js', import.meta.url));

function cli(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A long training run, and a way to wait until it prints a progress line (its run folder exists then). */
function startTraining(args: string[]): { child: ChildProcessWithoutNullStreams; firstStep: Promise<void>; exit: Promise<number | null>; stderr: () => string } {
  const child = spawn(process.execPath, [bin, 'train', ...args]);
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const firstStep = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (/^step \d+\//m.test(stdout)) resolve();
    });
    child.on('exit', () => reject(new Error(`train exited before its first step:\n${stdout}\n${stderr}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, firstStep, exit, stderr: () => stderr };
}

async function longGraph(dir: string): Promise<string> {
  const file = path.join(dir, 'tiny.graph.json');
  await fs.writeFile(file, serializeGraph(tinyRegressor({ steps: 1_000_000 })));
  return file;
}

async function runRecord(runDir: string): Promise<{ status: string; step: number; latestCheckpoint?: string; error?: string }> {
  return JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8'));
}

describe('tensorweave checks every file it is given', () => {
  it('validate reports each file, prefixed with its name, and fails if any fails', async () => {
    const dir = await tempDir('tw-cli-');
    const good = path.join(dir, 'good.json');
    const broken = path.join(dir, 'broken.json');
    await fs.writeFile(good, serializeGraph(tinyRegressor()));
    await fs.writeFile(broken, '{ "format": ');
    const result = await cli(['validate', good, broken, path.join(dir, 'missing.json')]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/good\.json: ok — \d+ nodes/);
    expect(result.stdout).toMatch(/broken\.json: error: .*JSON/);
    expect(result.stdout).toMatch(/missing\.json: no such file/);
    // The good file alone still passes, also when named twice.
    expect((await cli(['validate', good, good])).code).toBe(0);
  });

  it('info prints a table per file and fails if any fails', async () => {
    const dir = await tempDir('tw-cli-');
    const good = path.join(dir, 'good.json');
    const broken = path.join(dir, 'broken.json');
    await fs.writeFile(good, serializeGraph(tinyRegressor()));
    await fs.writeFile(broken, '[]');
    const result = await cli(['info', good, broken]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`== ${good} ==`);
    expect(result.stdout).toMatch(/^conv1 /m);
    expect(result.stdout).toContain(`== ${broken} ==`);
    expect(result.stdout).toMatch(/broken\.json: error:/);
  });
});

describe('command lines', () => {
  it('refuses bad values and arguments in one line with exit 2, never a stack trace', async () => {
    const dir = await tempDir('tw-cli-');
    const file = path.join(dir, 'g.json');
    await fs.writeFile(file, serializeGraph(tinyRegressor()));
    const cases: [string[], RegExp][] = [
      [['train', file, '--steps', '-5'], /--steps must be a whole number.*'-5'/],
      [['train', file, '--steps', '1.5'], /--steps must be a whole number/],
      [['train', file, '--batch-size', '5000'], /--batch-size must be a whole number from 1 to 4096/],
      [['train', file, '--backend', 'tpu'], /--backend must be one of/],
      [['train', file, '--steps'], /--steps needs a value/],
      [['train', file, file], /one graph file at a time/],
      [['train', file, '--more-steps', '3'], /--more-steps is for --resume/],
      [['validate'], /give at least one graph file/],
      [['frobnicate'], /unknown command 'frobnicate'/],
    ];
    // In parallel: each is a process start, and none touches another's files.
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [index, [args, message]] of cases.entries()) {
      const result = results[index];
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
    }
  }, 240_000);

  it('has --version, and help for every command both ways', async () => {
    const version = await cli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const overview = await cli(['help']);
    expect(overview.code).toBe(0);
    const names = [...overview.stdout.matchAll(/^ {2}tensorweave (\w[\w-]*)/gm)].map((m) => m[1]);
    expect(names).toEqual(expect.arrayContaining(['templates', 'new', 'validate', 'info', 'train', 'runs', 'help']));
    const commandNames = ['validate', 'info', 'train'];
    const [flags, helps] = await Promise.all([Promise.all(commandNames.map((n) => cli([n, '--help']))), Promise.all(commandNames.map((n) => cli(['help', n])))]);
    for (const [index, name] of commandNames.entries()) {
      expect(flags[index].code).toBe(0);
      expect(flags[index].stdout).toMatch(new RegExp(`^Usage: tensorweave ${name}`));
      expect(helps[index].stdout).toBe(flags[index].stdout);
    }
    const trainHelp = flags[2].stdout;
    expect(trainHelp).toMatch(/--steps N .*step to stop at[\s\S]*--resume[\s\S]*step to reach/);
    expect(trainHelp).toContain('--more-steps N');
    expect(trainHelp).toContain('--keep-checkpoints N');
  }, 120_000);
});

describe('how a training run ends', () => {
  it('exits 3 when training fails (a non-finite loss) and 1 for a graph with errors', async () => {
    const dir = await tempDir('tw-cli-');
    const diverging = path.join(dir, 'nan.graph.json');
    await fs.writeFile(diverging, serializeGraph(tinyRegressor({ steps: 50, lr: 1e12, optimizer: 'sgd' })));
    const broken = path.join(dir, 'broken.graph.json');
    const graph = tinyRegressor();
    (graph.nodes.find((n) => n.id === 'conv1')!.params as Record<string, unknown>).kernelSize = 0;
    await fs.writeFile(broken, serializeGraph(graph));
    const [failed, invalid] = await Promise.all([
      cli(['train', diverging, '--out', dir, '--name', 'nan', '--backend', 'wasm']),
      cli(['train', broken, '--out', dir, '--name', 'broken', '--backend', 'wasm']),
    ]);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toMatch(/error \(non-finite\)/);
    expect((await runRecord(path.join(dir, 'nan'))).status).toBe('failed');
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/broken\.graph\.json: error: .*conv1/);
  }, 120_000);
});

describe('an interrupted training run', () => {
  it('stops cleanly when its output pipe closes (train … | head): exit 141, no EPIPE trace, run.json stopped', async () => {
    const dir = await tempDir('tw-cli-');
    const run = startTraining([await longGraph(dir), '--out', dir, '--name', 'piped', '--backend', 'wasm']);
    await run.firstStep;
    run.child.stdout.destroy();
    expect(await run.exit).toBe(141);
    expect(run.stderr()).not.toMatch(/EPIPE|at .*\.ts:\d+/);
    const record = await runRecord(path.join(dir, 'piped'));
    expect(record.status).toBe('stopped');
    expect(record.latestCheckpoint).toBe(path.join('checkpoints', `step-${String(record.step).padStart(7, '0')}`));
    await fs.access(path.join(dir, 'piped', record.latestCheckpoint!, 'weights.bin'));
  }, 120_000);

  it('handles SIGTERM like the first Ctrl+C: final checkpoint, run.json stopped, exit 143', async () => {
    const dir = await tempDir('tw-cli-');
    const run = startTraining([await longGraph(dir), '--out', dir, '--name', 'term', '--backend', 'wasm']);
    await run.firstStep;
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(143);
    const record = await runRecord(path.join(dir, 'term'));
    expect(record.status).toBe('stopped');
    await fs.access(path.join(dir, 'term', record.latestCheckpoint!, 'weights.bin'));
  }, 120_000);

  it('exits 130 on a clean Ctrl+C, not 0', async () => {
    const dir = await tempDir('tw-cli-');
    const run = startTraining([await longGraph(dir), '--out', dir, '--name', 'int', '--backend', 'wasm']);
    await run.firstStep;
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(130);
    expect((await runRecord(path.join(dir, 'int'))).status).toBe('stopped');
  }, 120_000);

  it('quits at once on a second signal, marking run.json killed first', async () => {
    const dir = await tempDir('tw-cli-');
    const run = startTraining([await longGraph(dir), '--out', dir, '--name', 'killed', '--backend', 'wasm']);
    await run.firstStep;
    // Two different signals: two of the same may merge into one before the process sees them.
    run.child.kill('SIGINT');
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(143);
    const record = await runRecord(path.join(dir, 'killed'));
    expect(record.status).toBe('killed');
    expect(record.error).toMatch(/SIGTERM/);
    const list = await cli(['runs', dir]);
    expect(list.stdout).toMatch(/^killed +killed +\d+\/1000000/m);
  }, 120_000);
});
