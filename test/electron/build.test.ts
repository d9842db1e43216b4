/**
 * The Electron bundles as Electron would load them, and `npm start`'s
 * fallback to the browser mode where Electron cannot run (as here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildElectron, REPO_ROOT } from '../../build/build-electron';
import { findElectronBinary } from '../../build/electron-binary';
import { GraphBuilder } from '../../core/graph/builder';
import { serializeGraph } from '../../core/graph/serialize';
import { parseTrainerEvent, type TrainerEvent } from '../../core/contract/messages';
import { library } from '../library';

let outdir: string;
let files: Awaited<ReturnType<typeof buildElectron>>;
let temp: string;

beforeAll(async () => {
  // Inside the repository, so the bundles' external packages resolve from node_modules as in the app.
  outdir = path.join(REPO_ROOT, 'dist', `.test-electron-${process.pid}`);
  temp = await fs.mkdtemp(path.join(os.tmpdir(), 'tw-build-'));
  files = await buildElectron(outdir);
});

afterAll(async () => {
  await fs.rm(outdir, { recursive: true, force: true });
  await fs.rm(temp, { recursive: true, force: true });
});

describe('Electron bundles', () => {
  it('builds a preload that needs nothing but electron, as the sandbox requires', async () => {
    const preload = await fs.readFile(files.preload, 'utf8');
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect([...new Set(required)]).toEqual(['electron']);
    expect(preload).not.toMatch(/\bimport\s*\{/);
  });

  it('builds an ES module main process that takes electron from the runtime', async () => {
    const main = await fs.readFile(files.main, 'utf8');
    expect(main).toMatch(/^import \{[^}]*\bBrowserWindow\b[^}]*\} from "electron";?$/m);
    expect(main).toContain('contextIsolation: true');
  });

  it('builds a trainer that trains a graph when started as a child process', async () => {
    const b = new GraphBuilder({ name: 'bundle' }, library);
    const data = b.add('input.dataset', {}, 'data');
    const conv = b.op('conv2d', { input: `${data}.image` }, { outChannels: 3, kernelSize: 3, padding: 1 }, 'conv');
    b.op('loss.mse', { input: `${conv}.output`, target: `${data}.image` }, {}, 'loss');
    b.dataset('shapes', { imageSize: 16 });
    b.training({ steps: 2, batchSize: 1, logEvery: 1, checkpointEvery: 0, previewEvery: 0 });
    b.optimizer({ type: 'sgd', id: 'opt', modules: ['main'], losses: [{ node: 'loss', weight: 1 }], lr: 0.01 });

    const child = fork(files.trainer, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const events: TrainerEvent[] = [];
    child.on('message', (raw) => {
      const parsed = parseTrainerEvent(raw);
      events.push(parsed.ok ? parsed.value : { type: 'error', code: 'internal', message: parsed.error });
    });
    child.send({ type: 'start', graph: serializeGraph(b.build()), settings: { outDir: path.join(temp, 'runs'), backend: 'cpu' } });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(events.filter((e) => e.type === 'error')).toEqual([]);
    expect(events.filter((e) => e.type === 'progress').map((e) => (e as { step: number }).step)).toEqual([1, 2]);
    expect(events.at(-1)).toMatchObject({ type: 'done', reason: 'completed', step: 2 });
    expect(code).toBe(0);
  });
});

describe('finding Electron', () => {
  it('explains a missing binary instead of downloading it', async () => {
    const pkg = path.join(temp, 'electron-pkg');
    await fs.mkdir(path.join(pkg, 'dist'), { recursive: true });
    expect(findElectronBinary(pkg, {})).toEqual({ ok: false, reason: `Electron's binary is not installed (${path.join(pkg, 'dist')} is missing)` });
    await fs.writeFile(path.join(pkg, 'path.txt'), 'electron');
    expect(findElectronBinary(pkg, {})).toEqual({ ok: false, reason: `Electron's binary is missing at ${path.join(pkg, 'dist', 'electron')}` });
    await fs.writeFile(path.join(pkg, 'dist', 'electron'), '');
    expect(findElectronBinary(pkg, {})).toEqual({ ok: true, path: path.join(pkg, 'dist', 'electron') });
  });
});

describe('npm start', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill();
  });

  it('says in one line why Electron cannot start, then serves the browser mode and prints its URL', async () => {
    const noElectron = path.join(temp, 'no-electron');
    await fs.mkdir(noElectron, { recursive: true });
    child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'build', 'start.ts'), '--no-build', '--port', '0'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DISPLAY: ':99', ELECTRON_OVERRIDE_DIST_PATH: noElectron, TENSORWEAVE_ELECTRON_DOWNLOAD: '0', TENSORWEAVE_WORKSPACE: path.join(temp, 'workspace') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr!.on('data', (chunk) => (output += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      child!.stdout!.on('data', (chunk) => {
        output += chunk;
        const match = /browser mode at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output);
        if (match) resolve(match[1]);
      });
      child!.on('exit', (code) => reject(new Error(`start exited with ${code}:\n${output}`)));
    });
    const lines = output.trim().split('\n');
    expect(lines[0]).toBe(`Electron cannot start here: ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${path.join(noElectron, 'electron')}. Serving the browser mode instead.`);
    // A clean clone has no renderer build yet, which start.ts notes on a line of its own.
    expect(lines.filter((l) => !l.startsWith('Note:'))).toHaveLength(2);
    const response = await fetch(url);
    // 200 with a built editor, 503 with instructions without one: either way the host answers.
    expect([200, 503]).toContain(response.status);
    const exited = new Promise<number | null>((resolve) => child!.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
