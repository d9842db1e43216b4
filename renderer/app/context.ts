/**
 * What every component reaches: the host (Electron or the browser-mode
 * server, behind one typed contract) and the editor store. Passed through
 * React context so tests and the app can hand in their own.
 */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';
import type { HostApi } from '../../core/contract/app-api';
import type { EditorActions, EditorState, EditorStore } from '../editor/editor-store';
import { uiStore, type UiState } from '../editor/ui-store';

export interface Services {
  host: HostApi;
  editor: EditorStore;
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

export function useUi<T>(selector: (state: UiState) => T): T {
  return useStore(uiStore, selector);
}
