/**
 * The editor's state: the graph document (the single source of truth; the
 * canvas is a projection of it), its undo history, the selection and the
 * clipboard. Every user action commits exactly one history entry, so a drag
 * of twenty nodes or a delete of a whole module undoes in one step.
 *
 * Plain zustand without React so tests drive it directly.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { GraphDocument, GraphEdge } from '../../core/graph/schema';
import { analyze, type Analysis } from './analysis';
import * as edits from './edits';
import type { Clipboard, ConnectOutcome, ParamOutcome, Position } from './edits';

export interface FileInfo {
  /** Where the graph was opened from or saved to; absent for untitled graphs. */
  path?: string;
  /** The name shown in the title bar, kept on re-save. */
  name: string;
}

export const HISTORY_LIMIT = 300;

export interface EditorState {
  doc: GraphDocument;
  file: FileInfo;
  /** The document as last opened or saved; the graph is dirty while `doc` is another object. */
  savedDoc: GraphDocument | null;
  past: GraphDocument[];
  future: GraphDocument[];
  selectedNodes: readonly string[];
  selectedEdges: readonly string[];
  selectedModule: string | null;
  analysis: Analysis;
  clipboard: Clipboard | null;
  /** Pastes since the last copy, to offset each one. */
  pasteCount: number;
  /** The document when a drag began; a drag commits once, when it ends. */
  dragBase: GraphDocument | null;
  /** Bumped on every load, so views can reset (fit the new graph) without comparing documents. */
  loadCount: number;
}

export interface EditorActions {
  load(doc: GraphDocument, file: FileInfo, options?: { dirty?: boolean }): void;
  markSaved(file: FileInfo): void;
  /** Commits `next` as one undoable step (no-op when nothing changed). */
  commit(next: GraphDocument): void;
  /** Runs an edit that may refuse; commits on success. */
  apply(outcome: ParamOutcome): ParamOutcome;
  addNode(type: string, position: Position): string;
  connect(edge: GraphEdge): ConnectOutcome;
  removeEdges(edges: readonly GraphEdge[]): void;
  deleteSelection(): void;
  beginDrag(): void;
  dragTo(positions: Record<string, Position>): void;
  endDrag(): void;
  moveNodes(positions: Record<string, Position>): void;
  setParam(nodeId: string, name: string, value: unknown): ParamOutcome;
  setLabel(nodeId: string, label: string): void;
  select(nodes: readonly string[], edges?: readonly string[]): void;
  selectModule(moduleId: string | null): void;
  selectAll(): void;
  groupSelection(name?: string): string | undefined;
  ungroup(moduleId: string): void;
  renameModule(moduleId: string, name: string): void;
  setModuleCollapsed(moduleId: string, collapsed: boolean): void;
  /** Freezes a module (taking it out of the optimizers that list it) or makes it trainable again, as one step. */
  setModuleFrozen(moduleId: string, frozen: boolean): ParamOutcome;
  copySelection(): boolean;
  cutSelection(): boolean;
  paste(options: edits.PasteOptions): string[];
  undo(): void;
  redo(): void;
}

export type EditorStore = StoreApi<EditorState & EditorActions>;

export const isDirty = (s: Pick<EditorState, 'doc' | 'savedDoc'>) => s.doc !== s.savedDoc;

export function createEditorStore(initial: GraphDocument, file: FileInfo = { name: 'Untitled' }): EditorStore {
  return createStore<EditorState & EditorActions>()((set, get) => {
    /** Replaces the document with `next` and records `base` (default: the current one) for undo. */
    const record = (next: GraphDocument, base: GraphDocument = get().doc, extra: Partial<EditorState> = {}) => {
      const s = get();
      if (next === base && next === s.doc) {
        if (Object.keys(extra).length > 0) set(extra);
        return;
      }
      const past = next === base ? s.past : [...s.past, base].slice(-HISTORY_LIMIT);
      set({ doc: next, past, future: next === base ? s.future : [], analysis: analyze(next, s.analysis), ...extra });
    };
    const pruneSelection = (doc: GraphDocument): Partial<EditorState> => {
      const s = get();
      const nodes = new Set(doc.nodes.map((n) => n.id));
      const edgeIds = new Set(doc.edges.map(edits.edgeId));
      return {
        selectedNodes: s.selectedNodes.filter((id) => nodes.has(id)),
        selectedEdges: s.selectedEdges.filter((id) => edgeIds.has(id)),
        selectedModule: s.selectedModule && doc.modules.some((m) => m.id === s.selectedModule) ? s.selectedModule : null,
      };
    };
    const restore = (doc: GraphDocument, past: GraphDocument[], future: GraphDocument[]) => {
      set({ doc, past, future, analysis: analyze(doc, get().analysis), dragBase: null, ...pruneSelection(doc) });
    };

    return {
      doc: initial,
      file,
      savedDoc: initial,
      past: [],
      future: [],
      selectedNodes: [],
      selectedEdges: [],
      selectedModule: null,
      analysis: analyze(initial),
      clipboard: null,
      pasteCount: 0,
      dragBase: null,
      loadCount: 0,

      load(doc, file, options = {}) {
        set({
          doc,
          file,
          savedDoc: options.dirty ? null : doc,
          past: [],
          future: [],
          selectedNodes: [],
          selectedEdges: [],
          selectedModule: null,
          analysis: analyze(doc),
          dragBase: null,
          loadCount: get().loadCount + 1,
        });
      },
      markSaved(file) {
        set({ savedDoc: get().doc, file });
      },
      commit(next) {
        record(next);
      },
      apply(outcome) {
        if (outcome.ok) record(outcome.doc);
        return outcome;
      },
      addNode(type, position) {
        const { doc, id } = edits.addNode(get().doc, type, position);
        record(doc, undefined, { selectedNodes: [id], selectedEdges: [], selectedModule: null });
        return id;
      },
      connect(edge) {
        const outcome = edits.connect(get().doc, edge);
        if (outcome.ok) record(outcome.doc);
        return outcome;
      },
      removeEdges(edges) {
        const next = edits.removeEdges(get().doc, edges);
        record(next, undefined, pruneSelection(next));
      },
      deleteSelection() {
        const s = get();
        let next = s.doc;
        const ids = new Set(s.selectedNodes);
        if (s.selectedModule) {
          const module = s.doc.modules.find((m) => m.id === s.selectedModule);
          for (const id of module?.nodes ?? []) ids.add(id);
        }
        const edgeIds = new Set(s.selectedEdges);
        next = edits.removeEdges(next, next.edges.filter((e) => edgeIds.has(edits.edgeId(e))));
        next = edits.removeNodes(next, ids);
        record(next, undefined, { selectedNodes: [], selectedEdges: [], selectedModule: null });
      },
      beginDrag() {
        if (!get().dragBase) set({ dragBase: get().doc });
      },
      dragTo(positions) {
        const s = get();
        const next = edits.moveNodes(s.doc, positions);
        if (next !== s.doc) set({ doc: next });
      },
      endDrag() {
        const { dragBase, doc } = get();
        if (!dragBase) return;
        set({ dragBase: null });
        if (doc !== dragBase) record(doc, dragBase);
      },
      moveNodes(positions) {
        record(edits.moveNodes(get().doc, positions));
      },
      setParam(nodeId, name, value) {
        const outcome = edits.setParam(get().doc, nodeId, name, value);
        if (outcome.ok) record(outcome.doc);
        return outcome;
      },
      setLabel(nodeId, label) {
        record(edits.setLabel(get().doc, nodeId, label));
      },
      select(nodes, edgesSelected = []) {
        const s = get();
        if (sameList(s.selectedNodes, nodes) && sameList(s.selectedEdges, edgesSelected) && s.selectedModule === null) return;
        set({ selectedNodes: [...nodes], selectedEdges: [...edgesSelected], selectedModule: null });
      },
      selectModule(moduleId) {
        set({ selectedModule: moduleId, selectedNodes: [], selectedEdges: [] });
      },
      selectAll() {
        set({ selectedNodes: get().doc.nodes.map((n) => n.id), selectedEdges: [], selectedModule: null });
      },
      groupSelection(name) {
        const s = get();
        if (s.selectedNodes.length === 0) return undefined;
        const { doc, moduleId } = edits.groupNodes(s.doc, s.selectedNodes, name ?? `Module ${s.doc.modules.length + 1}`);
        record(doc, undefined, { selectedModule: moduleId, selectedNodes: [], selectedEdges: [] });
        return moduleId;
      },
      ungroup(moduleId) {
        const members = get().doc.modules.find((m) => m.id === moduleId)?.nodes ?? [];
        record(edits.ungroup(get().doc, moduleId), undefined, { selectedModule: null, selectedNodes: members, selectedEdges: [] });
      },
      renameModule(moduleId, name) {
        record(edits.renameModule(get().doc, moduleId, name));
      },
      setModuleCollapsed(moduleId, collapsed) {
        record(edits.setModuleCollapsed(get().doc, moduleId, collapsed));
      },
      setModuleFrozen(moduleId, frozen) {
        const outcome = edits.setModuleFrozen(get().doc, moduleId, frozen);
        if (outcome.ok) record(outcome.doc);
        return outcome;
      },
      copySelection() {
        const s = get();
        const ids = new Set(s.selectedNodes);
        if (s.selectedModule) for (const id of s.doc.modules.find((m) => m.id === s.selectedModule)?.nodes ?? []) ids.add(id);
        const clip = edits.copyNodes(s.doc, ids);
        if (!clip) return false;
        set({ clipboard: clip, pasteCount: 0 });
        return true;
      },
      cutSelection() {
        if (!get().copySelection()) return false;
        get().deleteSelection();
        return true;
      },
      paste(options) {
        const clip = get().clipboard;
        if (!clip) return [];
        // Repeated pastes cascade instead of stacking exactly on top of each other.
        const pasteCount = get().pasteCount + 1;
        const origin = edits.clipboardOrigin(clip);
        const at = options.at ?? { x: origin.x + 40 * pasteCount, y: origin.y + 40 * pasteCount };
        const { doc, ids } = edits.paste(get().doc, clip, { ...options, at });
        set({ pasteCount: options.at ? 0 : pasteCount });
        record(doc, undefined, { selectedNodes: ids, selectedEdges: [], selectedModule: null });
        return ids;
      },
      undo() {
        const s = get();
        if (s.dragBase) get().endDrag();
        const { past, future, doc } = get();
        if (past.length === 0) return;
        restore(past[past.length - 1], past.slice(0, -1), [doc, ...future]);
      },
      redo() {
        const { past, future, doc } = get();
        if (future.length === 0) return;
        restore(future[0], [...past, doc], future.slice(1));
      },
    };
  });
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
