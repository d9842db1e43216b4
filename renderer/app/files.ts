/**
 * Opening, saving, templates, exports and crash recovery, all through the
 * host contract (Electron's main process or the browser-mode server), so the
 * editor never touches the file system itself.
 *
 * A file that cannot be read as a graph opens nothing: its problems are
 * shown and the graph being edited stays exactly as it was.
 */
import type { HostApi } from '../../core/contract/app-api';
import { loadGraph } from '../../core/graph/load';
import type { Problem } from '../../core/graph/problems';
import { GRAPH_FORMAT, GRAPH_VERSION, type GraphDocument } from '../../core/graph/schema';
import { serializeGraph } from '../../core/graph/serialize';
import { SHAPE_CLASS_NAMES } from '../../core/data/shapes-render';
import { defaultParams } from '../../core/params';
import { registries } from '../editor/catalog';
import { isDirty, type EditorStore, type FileInfo } from '../editor/editor-store';
import { openDialog, toast, uiStore } from '../editor/ui-store';
import { architectureLayout, withLayout } from './quick-layout';

/** Problems that mean the file itself is broken, as opposed to a valid file describing a graph with mistakes. */
const UNREADABLE = new Set(['invalid-json', 'not-an-object', 'invalid-structure', 'wrong-format', 'missing-version', 'invalid-version', 'future-version', 'migration-failed', 'internal-error']);

export type ReadOutcome = { ok: true; doc: GraphDocument; problems: Problem[] } | { ok: false; problems: Problem[] };

/**
 * Reads a graph file's text. Files with graph-level mistakes (a shape
 * mismatch, an unknown node type) open, with their problems listed; files
 * that are not readable graphs are refused.
 */
export function readGraphText(text: string): ReadOutcome {
  const { graph, problems } = loadGraph(text, registries);
  const fatal = problems.filter((p) => p.severity === 'error' && UNREADABLE.has(p.code));
  if (!graph || fatal.length > 0) return { ok: false, problems: fatal.length > 0 ? fatal : problems };
  return { ok: true, doc: withLayout(graph), problems };
}

export function graphText(doc: GraphDocument): string {
  return serializeGraph(doc);
}

export function fileNameFor(doc: GraphDocument, file: FileInfo): string {
  if (file.path) return file.name;
  const stem = (doc.name || 'graph').replace(/[^A-Za-z0-9._ -]+/g, '').trim().replace(/\s+/g, '-').toLowerCase() || 'graph';
  return `${stem}.json`;
}

export class FileActions {
  private recoveryTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribe: (() => void) | undefined;
  private started = false;

  constructor(
    private readonly host: HostApi,
    private readonly editor: EditorStore,
    private readonly recoveryDelayMs = 1200,
  ) {}

  /** Opens `text` as the current graph, or explains why it cannot. Returns whether it opened. */
  openText(text: string, file: FileInfo, options: { dirty?: boolean } = {}): boolean {
    const outcome = readGraphText(text);
    if (!outcome.ok) {
      openDialog({ type: 'file-errors', name: file.name, problems: outcome.problems });
      return false;
    }
    this.editor.getState().load(outcome.doc, file, options);
    const errors = outcome.problems.filter((p) => p.severity === 'error').length;
    if (errors > 0) {
      uiStore.setState({ problemsOpen: true });
      toast('info', `Opened ${file.name} with ${errors} problem${errors === 1 ? '' : 's'} to fix (see the Problems panel).`);
    }
    return true;
  }

  /**
   * Templates are written in code and placed by a simple column rule; they
   * open laid out by the editor's own rule, which knows the card sizes.
   */
  private openTemplateText(text: string, quiet = false): boolean {
    const outcome = readGraphText(text);
    if (!outcome.ok) {
      if (!quiet) openDialog({ type: 'file-errors', name: 'template', problems: outcome.problems });
      return false;
    }
    const doc = outcome.doc;
    this.editor.getState().load({ ...doc, layout: { ...doc.layout, nodes: architectureLayout(doc) } }, { name: 'Untitled' });
    return true;
  }

  /** Runs `action` now, or after the user agrees to drop unsaved changes. */
  guardUnsaved(actionTitle: string, action: () => void | Promise<void>): void {
    if (!isDirty(this.editor.getState())) {
      void action();
      return;
    }
    openDialog({ type: 'confirm-discard', action: actionTitle, proceed: () => void action() });
  }

  async open(): Promise<void> {
    this.guardUnsaved('open another graph', async () => {
      if (uiStore.getState().hostKind === 'browser') {
        const files = await this.call(() => this.host.listFiles({}), 'list the workspace files');
        if (files) openDialog({ type: 'open', files });
        return;
      }
      await this.openPath(undefined);
    });
  }

  /** Opens a file by path (or through the host's dialog without one). */
  async openPath(path: string | undefined): Promise<boolean> {
    const result = await this.call(() => this.host.openFile(path === undefined ? {} : { path }), 'open the file');
    if (!result || 'canceled' in result) return false;
    return this.openText(result.text, { path: result.path, name: result.name });
  }

  /** A file dropped on the window or picked in the browser: no path, so saving asks for one. */
  async openDropped(file: File): Promise<boolean> {
    const text = await file.text();
    return new Promise((resolve) => {
      this.guardUnsaved('open the dropped file', () => resolve(this.openText(text, { name: file.name })));
    });
  }

  async save(): Promise<boolean> {
    const { doc, file } = this.editor.getState();
    if (!file.path) return this.saveAs();
    const saved = await this.call(() => this.host.saveFile({ path: file.path!, text: graphText(doc) }), `save ${file.name}`);
    if (!saved) return false;
    this.afterSave(doc, { path: saved.path, name: saved.name });
    return true;
  }

  async saveAs(name?: string): Promise<boolean> {
    const { doc, file } = this.editor.getState();
    const suggestedName = fileNameFor(doc, file);
    if (uiStore.getState().hostKind === 'browser' && name === undefined) {
      openDialog({ type: 'save-as', suggestedName });
      return false;
    }
    const saved = await this.call(
      () => this.host.saveFileAs({ suggestedName, text: graphText(doc), ...(name !== undefined ? { name } : {}) }),
      'save the graph',
    );
    if (!saved || 'canceled' in saved) return false;
    this.afterSave(doc, { path: saved.path, name: saved.name });
    return true;
  }

  private afterSave(doc: GraphDocument, file: FileInfo): void {
    const state = this.editor.getState();
    // Edits made while the write was in flight stay unsaved.
    if (state.doc === doc) state.markSaved(file);
    else this.editor.setState({ file, savedDoc: doc });
    toast('success', `Saved ${file.name}`);
    void this.host.clearRecovery({}).catch(() => undefined);
  }

  async newFromTemplate(id: string, title: string): Promise<void> {
    this.guardUnsaved(`open the template “${title}”`, async () => {
      const template = await this.call(() => this.host.getTemplate({ id }), `load the template '${id}'`);
      if (!template) return;
      // An untitled copy: saving asks where, so the template itself is never overwritten.
      this.openTemplateText(template.text);
    });
  }

  newBlank(): void {
    this.guardUnsaved('start a new graph', () => this.editor.getState().load(blankGraph(), { name: 'Untitled' }));
  }

  async exportFile(suggestedName: string, data: string, encoding: 'utf8' | 'base64'): Promise<void> {
    const result = await this.call(() => this.host.exportFile({ suggestedName, data, encoding }), `export ${suggestedName}`);
    if (result && !('canceled' in result)) toast('success', `Exported ${result.path}`);
  }

  /**
   * Writes the unsaved graph to the recovery file a moment after each edit,
   * and tells the host whether the document is dirty (its window title and
   * close prompt follow).
   */
  startAutosave(): void {
    this.unsubscribe?.();
    this.reportDocumentState();
    this.unsubscribe = this.editor.subscribe((state, previous) => {
      if (isDirty(state) !== isDirty(previous) || state.file !== previous.file) this.reportDocumentState();
      if (state.doc === previous.doc && state.savedDoc === previous.savedDoc) return;
      if (state.dragBase) return;
      clearTimeout(this.recoveryTimer);
      if (!isDirty(state)) return;
      this.recoveryTimer = setTimeout(() => void this.writeRecovery(), this.recoveryDelayMs);
    });
  }

  stopAutosave(): void {
    this.unsubscribe?.();
    clearTimeout(this.recoveryTimer);
  }

  private reportDocumentState(): void {
    const state = this.editor.getState();
    void this.host
      .setDocumentState({ dirty: isDirty(state), title: state.file.name, ...(state.file.path ? { path: state.file.path } : {}) })
      .catch(() => undefined);
  }

  async writeRecovery(): Promise<void> {
    const { doc, file } = this.editor.getState();
    try {
      await this.host.writeRecovery({ text: graphText(doc), ...(file.path ? { path: file.path } : {}) });
    } catch {
      // Recovery is best effort; a failing autosave must not interrupt editing.
    }
  }

  async restoreRecovery(): Promise<void> {
    const recovery = uiStore.getState().recovery;
    uiStore.setState({ recovery: null });
    if (!recovery) return;
    const name = recovery.path ? (recovery.path.split(/[\\/]/).pop() ?? 'Recovered') : 'Recovered';
    this.openText(recovery.text, { ...(recovery.path ? { path: recovery.path } : {}), name }, { dirty: true });
  }

  async discardRecovery(): Promise<void> {
    uiStore.setState({ recovery: null });
    await this.host.clearRecovery({}).catch(() => undefined);
  }

  /**
   * First graph on start: the most recent file, else the first template,
   * else a blank graph. A recovery file is offered, not forced.
   */
  async startup(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const info = await this.call(() => this.host.appInfo({}), 'reach the host');
    if (info) uiStore.setState({ hostKind: info.host });
    const recovery = await this.host.readRecovery({}).catch(() => null);
    if (recovery) uiStore.setState({ recovery });
    const recent = await this.host.recentFiles({}).catch(() => [] as string[]);
    for (const path of recent.slice(0, 1)) {
      const result = await this.host.openFile({ path }).catch(() => undefined);
      if (result && !('canceled' in result)) {
        const outcome = readGraphText(result.text);
        if (outcome.ok) {
          this.editor.getState().load(outcome.doc, { path: result.path, name: result.name });
          return;
        }
      }
    }
    const templates = await this.host.listTemplates({}).catch(() => []);
    if (templates.length > 0) {
      const template = await this.host.getTemplate({ id: templates[0].id }).catch(() => undefined);
      if (template && this.openTemplateText(template.text, true)) return;
    }
    this.editor.getState().load(blankGraph(), { name: 'Untitled' });
  }

  private async call<T>(request: () => Promise<T>, what: string): Promise<T | undefined> {
    try {
      return await request();
    } catch (thrown) {
      toast('error', `Could not ${what}: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
      return undefined;
    }
  }
}

/**
 * A new graph: a small multi-label classifier of the synthetic shapes, wired
 * and valid, so the user starts from something that trains and edits it.
 */
export function blankGraph(): GraphDocument {
  const version = (type: string) => registries.nodes[type]?.version ?? 1;
  const node = (id: string, type: string, params: Record<string, unknown> = {}) => ({
    id,
    type,
    typeVersion: version(type),
    params: { ...defaultParams(registries.nodes[type]?.params ?? {}), ...params },
  });
  const wire = (from: string, to: string) => {
    const [fn, fp] = from.split(':');
    const [tn, tp] = to.split(':');
    return { from: { node: fn, port: fp }, to: { node: tn, port: tp } };
  };
  return withLayout({
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    name: 'Untitled',
    description: '',
    nodes: [
      node('data', 'input.dataset'),
      node('flatten', 'flatten'),
      node('classifier', 'linear', { outFeatures: SHAPE_CLASS_NAMES.length }),
      node('loss', 'loss.bce_logits'),
    ],
    edges: [wire('data:image', 'flatten:input'), wire('flatten:output', 'classifier:input'), wire('classifier:output', 'loss:input'), wire('data:labels', 'loss:target')],
    modules: [],
    dataset: { type: 'shapes', params: { imageSize: 32 } },
    training: {
      steps: 1000,
      batchSize: 16,
      seed: 0,
      logEvery: 10,
      previewEvery: 100,
      checkpointEvery: 500,
      optimizers: [
        { type: 'adam', id: 'adam', modules: ['main'], losses: [{ node: 'loss', weight: 1 }], lr: 1e-3, weightDecay: 0, schedule: { type: 'constant' }, betas: [0.9, 0.999], eps: 1e-8 },
      ],
    },
    layout: { nodes: {}, modules: {} },
  });
}

