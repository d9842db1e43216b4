/**
 * What every component reaches: the host (Electron or the browser-mode
 * server, behind one typed contract) and the window's three stores (the
 * editor's document, the view state, training). All are created once in
 * main.tsx and passed down through one React context, so tests and the app
 * hand in their own in the same way.
 *
 * This folder sits below the feature folders (app, canvas, inspector,
 * palette, problems, dashboard): they import it, it imports none of them.
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { HostApi } from '../../core/contract/app-api';
import type { TrainingActions, TrainingState, TrainingStore } from '../dashboard/store';
import type { EditorActions, EditorState, EditorStore } from '../editor/editor-store';
import type { UiActions, UiState, UiStore } from '../editor/ui-store';

export interface Services {
  host: HostApi;
  editor: EditorStore;
  ui: UiStore;
  training: TrainingStore;
  /** Last pointer position over the canvas, in canvas coordinates (pastes land there); not state, so moving the mouse renders nothing. */
  pointer: { current: { x: number; y: number } | null };
}

export const ServicesContext = createContext<Services | null>(null);

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices: the app is not wrapped in <ServicesContext.Provider>');
  return services;
}

export function useEditor<T>(selector: (state: EditorState & EditorActions) => T): T {
  return useStore(useServices().editor, selector);
}

export function useUi<T>(selector: (state: UiState & UiActions) => T): T {
  return useStore(useServices().ui, selector);
}

export function useTrainingState<T>(selector: (state: TrainingState & TrainingActions) => T): T {
  return useStore(useServices().training, selector);
}
