/**
 * View state that is not part of the graph and never undone: messages,
 * dialogs, theme, panels, the wire being dragged, training status.
 */
import { createStore } from 'zustand/vanilla';
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
  | { type: 'confirm-discard'; action: string; proceed: () => void }
  | { type: 'file-errors'; name: string; problems: Problem[] }
  | { type: 'shortcuts' };

export interface TrainingStatus {
  sessionId: string;
  state: 'starting' | 'running' | 'paused' | 'done' | 'stopped' | 'failed';
  text: string;
  step?: number;
  totalSteps?: number;
}

export interface UiState {
  toasts: Toast[];
  dialog: Dialog | null;
  theme: 'dark' | 'light';
  minimap: boolean;
  problemsOpen: boolean;
  connecting: Connecting | null;
  search: SearchBoxState | null;
  training: TrainingStatus | null;
  recovery: { text: string; path?: string; savedAt: string } | null;
  hostKind: 'electron' | 'browser' | 'unknown';
}

let toastCounter = 0;

export const uiStore = createStore<UiState>()(() => ({
  toasts: [],
  dialog: null,
  theme: initialTheme(),
  minimap: true,
  problemsOpen: true,
  connecting: null,
  search: null,
  training: null,
  recovery: null,
  hostKind: 'unknown',
}));

function initialTheme(): 'dark' | 'light' {
  try {
    const saved = globalThis.localStorage?.getItem('tensorweave.theme');
    if (saved === 'dark' || saved === 'light') return saved;
    return globalThis.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
  } catch {
    return 'dark';
  }
}

export function toast(kind: Toast['kind'], text: string, details?: string[], durationMs = kind === 'error' ? 8000 : 3500): number {
  const id = ++toastCounter;
  uiStore.setState((s) => ({ toasts: [...s.toasts.slice(-4), { id, kind, text, ...(details ? { details } : {}) }] }));
  setTimeout(() => dismissToast(id), durationMs);
  return id;
}

export function dismissToast(id: number): void {
  uiStore.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}

export function setTheme(theme: 'dark' | 'light'): void {
  uiStore.setState({ theme });
  try {
    globalThis.localStorage?.setItem('tensorweave.theme', theme);
  } catch {
    // Storage may be unavailable (private windows); the theme still applies for this session.
  }
}

export const openDialog = (dialog: Dialog) => uiStore.setState({ dialog });
export const closeDialog = () => uiStore.setState({ dialog: null });
