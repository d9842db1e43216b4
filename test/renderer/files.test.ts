import { describe, expect, it } from 'vitest';
import { serializeGraph } from '../../core/graph/serialize';
import { blankGraph, FileActions, readGraphText } from '../../renderer/app/files';
import { clipboardFromText, clipboardToText } from '../../renderer/editor/clipboard-format';
import { createEditorStore, isDirty } from '../../renderer/editor/editor-store';
import { copyNodes } from '../../renderer/editor/edits';
import { createUiStore, type UiStore } from '../../renderer/editor/ui-store';
import { createFakeHost } from './fake-host';
import { installCatalog } from '../../renderer/editor/catalog';
import { nodeLibrary } from '../../nodes/library';

installCatalog(nodeLibrary);

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function setup(options: Parameters<typeof createFakeHost>[0] = {}) {
  const host = createFakeHost(options);
  const editor = createEditorStore(blankGraph(), { name: 'Untitled' });
  uiStore = createUiStore({ hostKind: options.host ?? 'browser' });
  const files = new FileActions(host, editor, uiStore, 20);
  return { host, editor, files };
}

/** The window's view state, made anew by each setup(). */
let uiStore: UiStore;

describe('opening files', () => {
  it('refuses a file that is not JSON, shows the reason with its position, and keeps the current graph', () => {
    const { editor, files } = setup();
    editor.getState().setParam('classifier', 'outFeatures', 9);
    const before = editor.getState().doc;
    const opened = files.openText('{"format": "tensorweave.graph", "version": 1, "nodes": [}', { name: 'broken.json' });
    expect(opened).toBe(false);
    expect(editor.getState().doc).toBe(before);
    expect(editor.getState().past).toHaveLength(1);
    const dialog = uiStore.getState().dialog;
    expect(dialog?.type).toBe('file-errors');
    if (dialog?.type === 'file-errors') {
      expect(dialog.name).toBe('broken.json');
      expect(dialog.problems[0].message).toMatch(/not valid JSON at line 1, column 57/);
    }
  });

  it('refuses a file whose structure is broken, listing every problem', () => {
    const text = JSON.stringify({ format: 'tensorweave.graph', version: 1, nodes: 'none', edges: [], dataset: { type: 'shapes' }, training: { optimizers: [] } });
    const outcome = readGraphText(text);
    expect(outcome.ok).toBe(false);
    expect(outcome.problems.length).toBeGreaterThanOrEqual(2);
    expect(outcome.problems.map((p) => p.message).join('\n')).toMatch(/nodes/);
  });

  it('refuses another format with the validator\'s words', () => {
    const outcome = readGraphText('{"hello": 1}');
    expect(outcome).toEqual({ ok: false, problems: [expect.objectContaining({ code: 'wrong-format' })] });
  });

  it('opens a valid graph that has mistakes, so they can be fixed in the editor', () => {
    const { editor, files } = setup();
    const doc = blankGraph();
    doc.nodes[2].params.outFeatures = 5;
    expect(files.openText(serializeGraph(doc), { path: '/ws/x.json', name: 'x.json' })).toBe(true);
    expect(editor.getState().file).toEqual({ path: '/ws/x.json', name: 'x.json' });
    expect(editor.getState().analysis.errorCount).toBe(1);
    expect(isDirty(editor.getState())).toBe(false);
  });

  it('gives positions to nodes that have none', () => {
    const doc = blankGraph();
    const text = serializeGraph({ ...doc, layout: { nodes: {}, modules: {} } });
    const outcome = readGraphText(text);
    expect(outcome.ok).toBe(true);
    if (outcome.ok) {
      const xs = ['data', 'flatten', 'classifier', 'loss'].map((id) => outcome.doc.layout.nodes[id].x);
      expect(xs).toEqual([...xs].sort((a, b) => a - b));
      expect(new Set(xs).size).toBe(4);
    }
  });

  it('asks before discarding unsaved changes, and proceeds only when told', async () => {
    const { host, editor, files } = setup();
    host.files.set('/ws/other.json', serializeGraph({ ...blankGraph(), name: 'Other' }));
    editor.getState().setParam('classifier', 'outFeatures', 9);
    await files.open();
    const dialog = uiStore.getState().dialog;
    expect(dialog?.type).toBe('confirm-discard');
    expect(editor.getState().doc.name).toBe('Untitled');
    if (dialog?.type === 'confirm-discard') dialog.proceed();
    await wait(0);
    expect(uiStore.getState().dialog?.type).toBe('open');
    expect(await files.openPath('/ws/other.json')).toBe(true);
    expect(editor.getState().doc.name).toBe('Other');
  });
});

describe('a graph whose optimizer lost its loss', () => {
  it('saves and opens again, with the problem named, so no work is lost', () => {
    const { editor, files } = setup();
    editor.getState().select(['loss']);
    editor.getState().deleteSelection();
    const text = serializeGraph(editor.getState().doc);
    expect(files.openText(text, { name: 'no-loss.json' })).toBe(true);
    expect(editor.getState().doc.training.optimizers[0].losses).toEqual([]);
    expect(editor.getState().analysis.problems.map((p) => p.code)).toEqual(['optimizer-no-loss']);
  });
});

describe('saving', () => {
  it('asks for a name in the browser mode, then re-saves under the same name', async () => {
    const { host, editor, files } = setup();
    editor.getState().setParam('classifier', 'outFeatures', 6);
    expect(await files.save()).toBe(false);
    expect(uiStore.getState().dialog).toEqual({ type: 'save-as', suggestedName: 'untitled.json' });
    expect(await files.saveAs('my-net.json')).toBe(true);
    expect(editor.getState().file).toEqual({ path: '/ws/my-net.json', name: 'my-net.json' });
    expect(isDirty(editor.getState())).toBe(false);
    expect(readGraphText(host.files.get('/ws/my-net.json')!).ok).toBe(true);

    editor.getState().setParam('classifier', 'outFeatures', 7);
    expect(await files.save()).toBe(true);
    expect(host.calls.filter((c) => c.channel === 'saveFile')).toEqual([{ channel: 'saveFile', request: { path: '/ws/my-net.json', text: serializeGraph(editor.getState().doc) } }]);
    expect(editor.getState().file.name).toBe('my-net.json');
  });

  it('asks before Save As replaces another file in the workspace, offering a free name instead', async () => {
    const { host, editor, files } = setup();
    host.files.set('/ws/taken.json', 'the other graph');
    host.files.set('/ws/taken-2.json', 'another one');
    host.files.set('/ws/sub/elsewhere.json', 'in a subfolder');
    expect(await files.saveAs('taken.json')).toBe(false);
    expect(host.files.get('/ws/taken.json')).toBe('the other graph');
    expect(uiStore.getState().dialog).toEqual({ type: 'confirm-overwrite', name: 'taken.json', freeName: 'taken-3.json' });
    // A name only a subfolder has is free at the top.
    expect(await files.saveAs('elsewhere.json')).toBe(true);
    expect(host.files.get('/ws/sub/elsewhere.json')).toBe('in a subfolder');
    // Replacing is the user's explicit choice.
    expect(await files.saveAs('taken.json', { overwrite: true })).toBe(true);
    expect(host.files.get('/ws/taken.json')).toBe(serializeGraph(editor.getState().doc));
    // Save As onto the file's own name is a plain re-save: no question.
    uiStore.getState().closeDialog();
    expect(await files.saveAs('taken.json')).toBe(true);
    expect(uiStore.getState().dialog).toBeNull();
  });

  it('proposes an imported file\'s own name when it is first saved, not one made from another graph name', async () => {
    const { editor, files } = setup();
    expect(files.openText(serializeGraph({ ...editor.getState().doc, name: 'Shapes classifier' }), { name: 'my-import.json' })).toBe(true);
    expect(await files.save()).toBe(false);
    expect(uiStore.getState().dialog).toEqual({ type: 'save-as', suggestedName: 'my-import.json' });
  });

  it('keeps edits made while a save was in flight unsaved', async () => {
    const { editor, files } = setup({ host: 'electron' });
    editor.getState().setParam('classifier', 'outFeatures', 6);
    const saving = files.saveAs();
    editor.getState().setParam('classifier', 'outFeatures', 8);
    expect(await saving).toBe(true);
    expect(isDirty(editor.getState())).toBe(true);
    expect(editor.getState().file.name).toBe('untitled.json');
  });
});

describe('recovery', () => {
  it('autosaves the unsaved graph shortly after an edit and clears it on save', async () => {
    const { host, editor, files } = setup();
    files.startAutosave();
    editor.getState().setParam('classifier', 'outFeatures', 11);
    expect(host.recovery).toBeNull();
    await wait(60);
    expect(host.recovery?.text).toBe(serializeGraph(editor.getState().doc));
    expect(host.documentState).toEqual({ dirty: true, title: 'Untitled' });
    await files.saveAs('saved.json');
    await wait(10);
    expect(host.recovery).toBeNull();
    expect(host.documentState).toEqual({ dirty: false, title: 'saved.json', path: '/ws/saved.json' });
    files.stopAutosave();
  });

  it('offers the recovery on start and restores it as unsaved work', async () => {
    const { host, editor, files } = setup();
    const recovered = { ...blankGraph(), name: 'Recovered net' };
    host.recovery = { text: serializeGraph(recovered), savedAt: '2024-01-01T00:00:00.000Z' };
    await files.startup();
    expect(uiStore.getState().recovery?.savedAt).toBe('2024-01-01T00:00:00.000Z');
    expect(editor.getState().doc.name).toBe('Untitled');
    await files.restoreRecovery();
    expect(editor.getState().doc.name).toBe('Recovered net');
    expect(isDirty(editor.getState())).toBe(true);
    expect(uiStore.getState().recovery).toBeNull();
  });

  it('starts on the first template when there is no recent file, as an untitled copy', async () => {
    const template = { ...blankGraph(), name: 'Template net' };
    const { editor, files } = setup({ templates: [{ id: 'demo', title: 'Demo', text: serializeGraph(template) }] });
    await files.startup();
    expect(editor.getState().doc.name).toBe('Template net');
    expect(editor.getState().file).toEqual({ name: 'Untitled' });
  });
});

describe('clipboard text', () => {
  it('round-trips copied nodes and rejects anything else', () => {
    const clip = copyNodes(blankGraph(), new Set(['flatten', 'classifier']))!;
    expect(clipboardFromText(clipboardToText(clip))).toEqual(clip);
    expect(clipboardFromText('just some text')).toBeUndefined();
    expect(clipboardFromText(clipboardToText({ ...clip, positions: {} }))).toBeUndefined();
    expect(clipboardFromText(clipboardToText(clip).replace('"flatten"', '"bad id with spaces"'))).toBeUndefined();
  });
});
