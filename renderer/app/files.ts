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
import type { GraphDocument } from '../../core/graph/schema';
import { serializeGraph } from '../../core/graph/serialize';
import { catalogTemplate, registries } from '../editor/catalog';
import { isDirty, type EditorStore, type FileInfo } from '../editor/editor-store';
import type { Dialog, UiActions, UiStore } from '../editor/ui-store';
import { deliverFile, downloadInBrowser } from '../services/downloads';
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

/**
 * The name Save As proposes: the file's own name when it has one (opened,
 * saved, or imported from this computer), else one made from the graph's name.
 */
export function fileNameFor(doc: GraphDocument, file: FileInfo): string {
  if (file.path || /\.json$/i.test(file.name)) return file.name;
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
    private readonly ui: UiStore,
    private readonly recoveryDelayMs = 1200,
  ) {}

  private toast(...args: Parameters<UiActions['toast']>): void {
    this.ui.getState().toast(...args);
  }

  private openDialog(dialog: Dialog): void {
    this.ui.getState().openDialog(dialog);
  }

  /** Opens `text` as the current graph, or explains why it cannot. Returns whether it opened. */
  openText(text: string, file: FileInfo, options: { dirty?: boolean } = {}): boolean {
    const outcome = readGraphText(text);
    if (!outcome.ok) {
      this.openDialog({ type: 'file-errors', name: file.name, problems: outcome.problems });
      return false;
    }
    this.editor.getState().load(outcome.doc, file, options);
    const errors = outcome.problems.filter((p) => p.severity === 'error').length;
    if (errors > 0) {
      this.ui.setState({ problemsOpen: true });
      this.toast('info', `Opened ${file.name} with ${errors} problem${errors === 1 ? '' : 's'} to fix (see the Problems panel).`);
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
      if (!quiet) this.openDialog({ type: 'file-errors', name: 'template', problems: outcome.problems });
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
    this.openDialog({ type: 'confirm-discard', action: actionTitle, proceed: () => void action() });
  }

  async open(): Promise<void> {
    this.guardUnsaved('open another graph', async () => {
      if (this.ui.getState().hostKind === 'browser') {
        const files = await this.call(() => this.host.listFiles({}), 'list the workspace files');
        if (files) this.openDialog({ type: 'open', files });
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

  /**
   * Save As. In the browser mode, without `name` it opens the name dialog;
   * with one that names another file already in the workspace it asks
   * before replacing it (or saving under a free name), unless `overwrite`.
   * Electron's native dialog asks that itself.
   */
  async saveAs(name?: string, options: { overwrite?: boolean } = {}): Promise<boolean> {
    const { doc, file } = this.editor.getState();
    const suggestedName = fileNameFor(doc, file);
    const browser = this.ui.getState().hostKind === 'browser';
    if (browser && name === undefined) {
      this.openDialog({ type: 'save-as', suggestedName });
      return false;
    }
    if (browser && name !== undefined && !options.overwrite) {
      const taken = await this.workspaceNames();
      const target = taken.get(name.toLowerCase());
      if (target !== undefined && target !== file.path) {
        this.openDialog({ type: 'confirm-overwrite', name, freeName: freeName(name, new Set(taken.keys())) });
        return false;
      }
    }
    const saved = await this.call(
      () => this.host.saveFileAs({ suggestedName, text: graphText(doc), ...(name !== undefined ? { name } : {}) }),
      'save the graph',
    );
    if (!saved || 'canceled' in saved) return false;
    this.afterSave(doc, { path: saved.path, name: saved.name });
    return true;
  }

  /** Graph files at the top of the workspace (where Save As writes), by lower-case name, with their paths. */
  private async workspaceNames(): Promise<Map<string, string>> {
    const [info, files] = await Promise.all([this.host.appInfo({}).catch(() => undefined), this.host.listFiles({}).catch(() => [])]);
    const names = new Map<string, string>();
    if (!info) return names;
    const root = info.workspace.replace(/[\\/]+$/, '');
    for (const f of files) {
      const folder = f.path.slice(0, f.path.length - f.name.length - 1);
      if (folder === root) names.set(f.name.toLowerCase(), f.path);
    }
    return names;
  }

  private afterSave(doc: GraphDocument, file: FileInfo): void {
    const state = this.editor.getState();
    // Edits made while the write was in flight stay unsaved.
    if (state.doc === doc) state.markSaved(file);
    else this.editor.setState({ file, savedDoc: doc });
    this.toast('success', `Saved ${file.name}`);
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

  /** A download in the browser mode (the host may be another machine), the native save dialog in Electron. */
  async exportFile(suggestedName: string, data: string, encoding: 'utf8' | 'base64'): Promise<void> {
    await deliverFile(this.host, this.ui, suggestedName, data, encoding);
  }

  /** The graph as a file on the user's own machine (browser mode), whatever the workspace holds. */
  downloadGraph(name = fileNameFor(this.editor.getState().doc, this.editor.getState().file)): void {
    downloadInBrowser(name, graphText(this.editor.getState().doc), 'utf8');
    this.toast('success', `Downloaded ${name}`);
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
    const recovery = this.ui.getState().recovery;
    this.ui.setState({ recovery: null });
    if (!recovery) return;
    const name = recovery.path ? (recovery.path.split(/[\\/]/).pop() ?? 'Recovered') : 'Recovered';
    this.openText(recovery.text, { ...(recovery.path ? { path: recovery.path } : {}), name }, { dirty: true });
  }

  async discardRecovery(): Promise<void> {
    this.ui.setState({ recovery: null });
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
    if (info) this.ui.setState({ hostKind: info.host });
    const recovery = await this.host.readRecovery({}).catch(() => null);
    if (recovery) this.ui.setState({ recovery });
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
      this.toast('error', `Could not ${what}: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
      return undefined;
    }
  }
}

/** `name` with the first free `-2`, `-3`… before its extension. */
export function freeName(name: string, taken: ReadonlySet<string>): string {
  const dot = name.toLowerCase().endsWith('.graph.json') ? name.length - '.graph.json'.length : name.lastIndexOf('.') > 0 ? name.lastIndexOf('.') : name.length;
  const stem = name.slice(0, dot);
  const extension = name.slice(dot);
  for (let i = 2; ; i++) {
    const candidate = `${stem}-${i}${extension}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
}

/**
 * A new graph: a small multi-label classifier of the synthetic shapes, wired
 * and valid, so the user starts from something that trains and edits it.
 */
/** The graph new windows and File › New start from: the library's 'starter' template, laid out by the editor's rule. */
export function blankGraph(): GraphDocument {
  const starter = catalogTemplate('starter');
  if (!starter) throw new Error("the node library has no 'starter' template to start a new graph from");
  return withLayout({ ...starter.build(), layout: { nodes: {}, modules: {} } });
}

