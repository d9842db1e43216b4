/**
 * View state that is not part of the graph and never undone: messages,
 * dialogs, theme, panels, the wire being dragged. (Training status is the
 * training store's; the status line derives it.)
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Problem } from '../../core/graph/problems';

export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'success';
  text: string;
  /** Longer explanation shown under the text, e.g. the validator's problems of a refused file. */
  details?: string[];
}

/** The port a wire is being dragged from, so every other port can show whether it would accept it. */
export interface Connecting {
  nodeId: string;
  nodeType: string;
  port: string;
  /** 'source' when dragging from an output. */
  side: 'source' | 'target';
}

export interface SearchBoxState {
  /** Screen position of the box. */
  screen: { x: number; y: number };
  /** Where the chosen node goes on the canvas. */
  flow: { x: number; y: number };
  /** A wire dropped on empty canvas: the new node is wired to it. */
  pending?: Connecting;
}

export type Dialog =
  | { type: 'gallery' }
  | { type: 'open'; files: { path: string; name: string; modified: number }[] }
  | { type: 'save-as'; suggestedName: string }
  /** Save As named a file the workspace already has: replace it, or take `freeName`. */
  | { type: 'confirm-overwrite'; name: string; freeName: string }
  | { type: 'confirm-discard'; action: string; proceed: () => void }
  | { type: 'file-errors'; name: string; problems: Problem[] }
  | { type: 'shortcuts' };

export interface UiState {
  toasts: Toast[];
  dialog: Dialog | null;
  theme: 'dark' | 'light';
  minimap: boolean;
  problemsOpen: boolean;
  connecting: Connecting | null;
  search: SearchBoxState | null;
  recovery: { text: string; path?: string; savedAt: string } | null;
  hostKind: 'electron' | 'browser' | 'unknown';
}

export interface UiActions {
  /** Shows a message for a while; returns its id. */
  toast(kind: Toast['kind'], text: string, details?: string[], durationMs?: number): number;
  dismissToast(id: number): void;
  setTheme(theme: 'dark' | 'light'): void;
  openDialog(dialog: Dialog): void;
  closeDialog(): void;
}

export type UiStore = StoreApi<UiState & UiActions>;

/** One per window, created with the other stores in main.tsx (tests make their own). */
export function createUiStore(initial: Partial<UiState> = {}): UiStore {
  let toastCounter = 0;
  const store = createStore<UiState & UiActions>()((set, get) => ({
    toasts: [],
    dialog: null,
    theme: initialTheme(),
    minimap: true,
    problemsOpen: true,
    connecting: null,
    search: null,
    recovery: null,
    hostKind: 'unknown',
    ...initial,

    toast(kind, text, details, durationMs = kind === 'error' ? 8000 : 3500) {
      const id = ++toastCounter;
      set((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, text, ...(details ? { details } : {}) }] }));
      setTimeout(() => get().dismissToast(id), durationMs);
      return id;
    },
    dismissToast(id) {
      if (get().toasts.some((t) => t.id === id)) set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
    },
    setTheme(theme) {
      set({ theme });
      try {
        globalThis.localStorage?.setItem('tensorweave.theme', theme);
      } catch {
        // Storage may be unavailable (private windows); the theme still applies for this session.
      }
    },
    openDialog(dialog) {
      set({ dialog });
    },
    closeDialog() {
      set({ dialog: null });
    },
  }));
  // The page's colours follow the theme in the same update, before anything
  // renders: a component that reads CSS variables while rendering (the plots)
  // then gets the new theme's colours, not the previous one's.
  applyTheme(store.getState().theme);
  store.subscribe((state, previous) => {
    if (state.theme !== previous.theme) applyTheme(state.theme);
  });
  return store;
}

function applyTheme(theme: 'dark' | 'light'): void {
  if (typeof document !== 'undefined') document.documentElement.dataset.theme = theme;
}

function initialTheme(): 'dark' | 'light' {
  try {
    const saved = globalThis.localStorage?.getItem('tensorweave.theme');
    if (saved === 'dark' || saved === 'light') return saved;
    return globalThis.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}
