import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAppHandlers, dispatchAppRequest, MAX_RECENT_FILES, type AppHandlers, type HostDialogs } from '../../../core/host/handlers';
import { loadGraph } from '../../../core/graph/load';
import { hasErrors } from '../../../core/graph/problems';
import { templates } from '../../../nodes/templates';
import type { LoggedEvent, RunRecord } from '../../../core/train/trainer';
import { library } from '../../library';

let root: string;
let workspace: string;
let handlers: AppHandlers;

function make(dialogs?: HostDialogs): AppHandlers {
  return createAppHandlers({
    library,
    workspace,
    runsDir: path.join(workspace, 'runs'),
    recentFile: path.join(root, 'state', 'recent.json'),
    recoveryFile: path.join(root, 'state', 'recovery.json'),
    dialogs,
  });
}

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'tw-host-'));
  workspace = path.join(root, 'workspace');
  await fs.mkdir(workspace, { recursive: true });
  handlers = make();
});

afterEach(async () => {
  await handlers.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

describe('templates', () => {
  it('lists every template and returns each as graph text that loads without errors', async () => {
    const list = await handlers.listTemplates({});
    expect(list.map((t) => t.id)).toEqual(templates.map((t) => t.id));
    for (const summary of list) {
      expect(summary.title.length).toBeGreaterThan(0);
      expect(summary.description.length).toBeGreaterThan(summary.summary.length);
      const { text } = await handlers.getTemplate({ id: summary.id });
      const { graph, problems } = loadGraph(text, library);
      expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(hasErrors(problems)).toBe(false);
      expect(graph?.name.length).toBeGreaterThan(0);
    }
  });

  it('names the available templates when asked for an unknown one', async () => {
    await expect(handlers.getTemplate({ id: 'nope' })).rejects.toThrow(/no template 'nope'; available: /);
  });
});

describe('files', () => {
  it('saves atomically under the user’s name, leaving no temporary file behind', async () => {
    const saved = await handlers.saveFileAs({ suggestedName: 'untitled.graph.json', name: 'My Net', text: '{"a":1}\n' });
    expect(saved).toEqual({ path: path.join(workspace, 'My Net.graph.json'), name: 'My Net.graph.json' });
    if ('canceled' in saved) throw new Error('unexpected cancel');

    const resaved = await handlers.saveFile({ path: saved.path, text: '{"a":2}\n' });
    expect(resaved).toEqual({ path: saved.path, name: 'My Net.graph.json' });
    expect(await fs.readFile(saved.path, 'utf8')).toBe('{"a":2}\n');
    expect(await fs.readdir(workspace)).toEqual(['My Net.graph.json']);

    const opened = await handlers.openFile({ path: 'My Net.graph.json' });
    expect(opened).toEqual({ path: saved.path, name: 'My Net.graph.json', text: '{"a":2}\n' });
  });

  it('keeps the previous file intact when a write fails', async () => {
    const file = path.join(workspace, 'keep.graph.json');
    await fs.writeFile(file, 'old');
    // A folder where the temporary file's rename target is makes the rename fail.
    await fs.mkdir(path.join(workspace, 'dir.graph.json'));
    await expect(handlers.saveFile({ path: 'dir.graph.json', text: 'new' })).rejects.toThrow(/cannot save .*dir\.graph\.json/);
    expect(await fs.readFile(file, 'utf8')).toBe('old');
    expect((await fs.readdir(workspace)).sort()).toEqual(['dir.graph.json', 'keep.graph.json']);
  });

  it('returns a malformed file’s text unchanged, leaving validation to the editor', async () => {
    await fs.writeFile(path.join(workspace, 'broken.json'), '{"format": "tensorweave.graph", nodes: [');
    const opened = await handlers.openFile({ path: 'broken.json' });
    expect(opened).toMatchObject({ name: 'broken.json', text: '{"format": "tensorweave.graph", nodes: [' });
  });

  it('lists json files in the workspace and its subfolders, newest first, but not runs or hidden state', async () => {
    await fs.mkdir(path.join(workspace, 'sub'), { recursive: true });
    await fs.mkdir(path.join(workspace, 'runs', 'r1'), { recursive: true });
    await fs.mkdir(path.join(workspace, '.tensorweave'), { recursive: true });
    await fs.writeFile(path.join(workspace, 'a.graph.json'), '{}');
    await fs.writeFile(path.join(workspace, 'sub', 'b.json'), '{}');
    await fs.writeFile(path.join(workspace, 'notes.txt'), 'x');
    await fs.writeFile(path.join(workspace, 'runs', 'r1', 'run.json'), '{}');
    await fs.writeFile(path.join(workspace, '.tensorweave', 'recent.json'), '[]');
    const past = new Date(Date.now() - 60_000);
    await fs.utimes(path.join(workspace, 'a.graph.json'), past, past);
    const files = await handlers.listFiles({});
    expect(files.map((f) => f.name)).toEqual(['b.json', 'a.graph.json']);
    expect(files[0].path).toBe(path.join(workspace, 'sub', 'b.json'));
    expect(files[0].modified).toBeGreaterThan(files[1].modified);
  });

  it('refuses paths that leave the workspace: .., absolute paths elsewhere, and symlinks out', async () => {
    const outside = path.join(root, 'secret.json');
    await fs.writeFile(outside, '{"secret":true}');
    await expect(handlers.openFile({ path: '../secret.json' })).rejects.toThrow(/refused path '\.\.\/secret\.json': it is outside the workspace/);
    await expect(handlers.openFile({ path: outside })).rejects.toThrow(/outside the workspace/);
    await expect(handlers.saveFile({ path: 'sub/../../evil.json', text: 'x' })).rejects.toThrow(/outside the workspace/);
    await expect(handlers.saveFileAs({ suggestedName: 'x', name: '../../evil', text: 'x' })).rejects.toThrow(/outside the workspace/);
    await fs.symlink(root, path.join(workspace, 'link'));
    await expect(handlers.openFile({ path: 'link/secret.json' })).rejects.toThrow(/outside the workspace/);
    await expect(handlers.saveFile({ path: 'link/new.json', text: 'x' })).rejects.toThrow(/outside the workspace/);
    await expect(fs.access(path.join(root, 'evil.json'))).rejects.toThrow();
    await expect(fs.access(path.join(root, 'new.json'))).rejects.toThrow();
  });

  it('asks for a path in the browser mode instead of opening a dialog', async () => {
    await expect(handlers.openFile({})).rejects.toThrow(/listFiles/);
  });

  it('uses native dialogs when the host has them, and may then save where the user chose', async () => {
    const elsewhere = path.join(root, 'elsewhere');
    await fs.mkdir(elsewhere);
    const answers: (string | undefined)[] = [path.join(elsewhere, 'chosen.graph.json'), undefined, path.join(elsewhere, 'picture.png')];
    const asked: string[] = [];
    const withDialogs = make({
      chooseOpenPath: async ({ defaultPath }) => (asked.push(`open ${defaultPath}`), answers.shift()),
      chooseSavePath: async ({ defaultPath, purpose }) => (asked.push(`${purpose} ${defaultPath}`), answers.shift()),
    });
    try {
      const saved = await withDialogs.saveFileAs({ suggestedName: 'untitled.graph.json', text: '{}' });
      expect(saved).toEqual({ path: path.join(elsewhere, 'chosen.graph.json'), name: 'chosen.graph.json' });
      expect(await withDialogs.saveFile({ path: path.join(elsewhere, 'chosen.graph.json'), text: '{"b":1}' })).toMatchObject({ name: 'chosen.graph.json' });
      expect(await withDialogs.openFile({})).toEqual({ canceled: true });
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]);
      expect(await withDialogs.exportFile({ suggestedName: 'graph.png', data: png.toString('base64'), encoding: 'base64' })).toEqual({ path: path.join(elsewhere, 'picture.png') });
      expect(await fs.readFile(path.join(elsewhere, 'picture.png'))).toEqual(png);
      expect(asked).toEqual([`graph ${path.join(workspace, 'untitled.graph.json')}`, `open ${workspace}`, `export ${path.join(workspace, 'graph.png')}`]);
      // A path never chosen in a dialog is still refused.
      await expect(withDialogs.saveFile({ path: path.join(elsewhere, 'other.json'), text: '{}' })).rejects.toThrow(/outside the workspace/);
    } finally {
      await withDialogs.dispose();
    }
  });

  it('exports text and base64 data into the workspace’s exports folder in the browser mode', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"/>';
    expect(await handlers.exportFile({ suggestedName: 'canvas.svg', data: svg, encoding: 'utf8' })).toEqual({ path: path.join(workspace, 'exports', 'canvas.svg') });
    expect(await fs.readFile(path.join(workspace, 'exports', 'canvas.svg'), 'utf8')).toBe(svg);
    await expect(handlers.exportFile({ suggestedName: 'x.png', data: 'not base64!', encoding: 'base64' })).rejects.toThrow(/data: not valid base64/);
    // Only the base name counts: an export can't climb out of the exports folder.
    expect(await handlers.exportFile({ suggestedName: '../../x.json', data: '{}', encoding: 'utf8' })).toEqual({ path: path.join(workspace, 'exports', 'x.json') });
  });
});

describe('recent files', () => {
  it('keeps the last ten used files, most recent first, without duplicates, across host restarts', async () => {
    for (let i = 0; i < 12; i++) await handlers.saveFile({ path: `g${i}.graph.json`, text: '{}' });
    await handlers.openFile({ path: 'g5.graph.json' });
    const restarted = make();
    const recent = await restarted.recentFiles({});
    await restarted.dispose();
    expect(recent).toHaveLength(MAX_RECENT_FILES);
    expect(recent.map((f) => path.basename(f))).toEqual(['g5', 'g11', 'g10', 'g9', 'g8', 'g7', 'g6', 'g4', 'g3', 'g2'].map((n) => `${n}.graph.json`));
  });

  it('drops files that no longer exist and survives a corrupt list', async () => {
    await handlers.saveFile({ path: 'a.json', text: '{}' });
    await handlers.saveFile({ path: 'b.json', text: '{}' });
    await fs.rm(path.join(workspace, 'a.json'));
    expect(await handlers.recentFiles({})).toEqual([path.join(workspace, 'b.json')]);
    await fs.writeFile(path.join(root, 'state', 'recent.json'), '[not json');
    expect(await handlers.recentFiles({})).toEqual([]);
  });
});

describe('recovery', () => {
  it('round-trips the autosave and clears it', async () => {
    expect(await handlers.readRecovery({})).toBeNull();
    await handlers.writeRecovery({ text: '{"graph":1}', path: path.join(workspace, 'x.graph.json') });
    const restored = await handlers.readRecovery({});
    expect(restored).toMatchObject({ text: '{"graph":1}', path: path.join(workspace, 'x.graph.json') });
    expect(Date.parse(restored!.savedAt)).toBeGreaterThan(Date.now() - 60_000);
    await handlers.writeRecovery({ text: 'untitled' });
    expect(await handlers.readRecovery({})).toMatchObject({ text: 'untitled' });
    expect(await handlers.readRecovery({})).not.toHaveProperty('path');
    expect(await handlers.clearRecovery({})).toEqual({ ok: true });
    expect(await handlers.readRecovery({})).toBeNull();
    expect(await handlers.clearRecovery({})).toEqual({ ok: true });
  });

  it('offers nothing when the recovery file was cut off', async () => {
    await fs.mkdir(path.join(root, 'state'), { recursive: true });
    await fs.writeFile(path.join(root, 'state', 'recovery.json'), '{"format":"tensorweave.recovery","version":1,"te');
    expect(await handlers.readRecovery({})).toBeNull();
  });
});

describe('requests are validated', () => {
  it('refuses malformed requests with a message naming the channel and field', async () => {
    await expect(handlers.saveFile({ path: 'a.json' })).rejects.toThrow(/invalid request on 'saveFile': text: /);
    await expect(handlers.getTemplate({ id: 3 })).rejects.toThrow(/invalid request on 'getTemplate': id: .*string/);
    await expect(handlers.exportFile({ suggestedName: 'a', data: '', encoding: 'hex' })).rejects.toThrow(/invalid request on 'exportFile': encoding: /);
    await expect(handlers.listFiles({ extra: true })).rejects.toThrow(/invalid request on 'listFiles': .*extra/);
    await expect(handlers.controlTraining({ sessionId: 'x', command: 'explode' })).rejects.toThrow(/command/);
  });

  it('refuses unknown channels, including names on Object.prototype', async () => {
    await expect(dispatchAppRequest(handlers, 'deleteEverything', {})).rejects.toThrow(/unknown channel 'deleteEverything'; known channels: appInfo, /);
    await expect(dispatchAppRequest(handlers, 'toString', {})).rejects.toThrow(/unknown channel 'toString'/);
    await expect(dispatchAppRequest(handlers, '__proto__', {})).rejects.toThrow(/unknown channel '__proto__'/);
    await expect(dispatchAppRequest(handlers, 'dispose', {})).rejects.toThrow(/unknown channel 'dispose'/);
  });

  it('answers appInfo for the browser host', async () => {
    const info = await dispatchAppRequest(handlers, 'appInfo', {});
    expect(info).toMatchObject({ host: 'browser', workspace, platform: process.platform });
    expect((info as { version: string }).version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reports an unknown training session clearly', async () => {
    await expect(handlers.controlTraining({ sessionId: 'gone', command: 'stop' })).rejects.toThrow(/no training session 'gone' is running/);
  });

  it('refuses to resume from a folder outside the runs folder', async () => {
    await expect(handlers.startTraining({ graphText: '{}', settings: { resume: '../../etc' } })).rejects.toThrow(/refused resume folder/);
  });
});

describe('runs', () => {
  async function writeRun(id: string, record: Partial<RunRecord>, events: (LoggedEvent | string)[]) {
    const dir = path.join(workspace, 'runs', id);
    await fs.mkdir(dir, { recursive: true });
    const full: RunRecord = {
      format: 'tensorweave.run',
      version: 1,
      id,
      graphName: 'tiny',
      graphHash: 'abc',
      seed: 0,
      backend: 'cpu',
      backendReason: 'test',
      settings: { steps: 10, batchSize: 2, logEvery: 1, previewEvery: 0, checkpointEvery: 0 },
      startedAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:01.000Z',
      status: 'completed',
      step: 10,
      ...record,
    };
    await fs.writeFile(path.join(dir, 'run.json'), JSON.stringify(full));
    await fs.writeFile(path.join(dir, 'graph.json'), `{"name":"${id}"}\n`);
    await fs.writeFile(path.join(dir, 'events.jsonl'), events.map((e) => `${typeof e === 'string' ? e : JSON.stringify(e)}\n`).join(''));
  }

  const event = (step: number): LoggedEvent => ({ step, time: 1000 + step, losses: { loss: 1 / step }, totals: { opt: 1 / step }, lr: { opt: 0.001 }, stepsPerSec: 5 });

  it('lists run folders newest first and skips folders that are not runs', async () => {
    expect(await handlers.listRuns({})).toEqual([]);
    await writeRun('old', { startedAt: '2026-01-01T00:00:00.000Z' }, []);
    await writeRun('new', { startedAt: '2026-02-01T00:00:00.000Z', status: 'running', step: 3 }, []);
    await fs.mkdir(path.join(workspace, 'runs', 'junk'));
    await fs.writeFile(path.join(workspace, 'runs', 'junk', 'run.json'), '{"format":"other"}');
    const runs = await handlers.listRuns({});
    expect(runs).toEqual([
      { runId: 'new', runDir: path.join(workspace, 'runs', 'new'), graphName: 'tiny', graphHash: 'abc', status: 'running', step: 3, totalSteps: 10, startedAt: '2026-02-01T00:00:00.000Z', backend: 'cpu' },
      { runId: 'old', runDir: path.join(workspace, 'runs', 'old'), graphName: 'tiny', graphHash: 'abc', status: 'completed', step: 10, totalSteps: 10, startedAt: '2026-01-01T00:00:00.000Z', backend: 'cpu' },
    ]);
  });

  it('reads a run’s summary, graph and logged events, skipping a line cut off by a crash', async () => {
    await writeRun('r1', {}, [event(1), event(2), '{"step":3,"ti']);
    const run = await handlers.readRun({ runId: 'r1' });
    expect(run.summary.runId).toBe('r1');
    expect(run.graphText).toBe('{"name":"r1"}\n');
    expect(run.events).toEqual([event(1), event(2)]);
  });

  it('refuses run ids that are not plain folder names, and names a missing run', async () => {
    await expect(handlers.readRun({ runId: '../x' })).rejects.toThrow(/refused run id '\.\.\/x'/);
    await expect(handlers.readRun({ runId: '..' })).rejects.toThrow(/refused run id/);
    await expect(handlers.readRun({ runId: 'missing' })).rejects.toThrow(/cannot read run 'missing'/);
  });
});
