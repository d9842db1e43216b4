/**
 * The canvas view (React Flow's instance, from `useReactFlow()`) for code
 * that acts on it from outside the canvas component: commands, menus, the
 * problems panel, a trainer error that names a node.
 */
import { useReactFlow, type ReactFlowInstance } from '@xyflow/react';
import { useCallback } from 'react';
import type { EditorStore } from '../editor/editor-store';
import { useServices } from './context';

/** The instance without the canvas's node data types: what callers outside the canvas need. */
export type CanvasInstance = Pick<ReactFlowInstance, 'fitView' | 'zoomIn' | 'zoomOut' | 'setCenter' | 'getZoom' | 'getNode' | 'screenToFlowPosition'>;

export const useCanvas = (): CanvasInstance => useReactFlow();

/**
 * Selects a node and brings it into view, expanding a collapsed module that
 * hides it: for the problems panel, and for anything else that names a node
 * (a trainer error, the host). Returns whether the node exists.
 */
export function revealNode(editor: EditorStore, view: CanvasInstance | null, nodeId: string, duration = 250): boolean {
  const state = editor.getState();
  if (!state.doc.nodes.some((n) => n.id === nodeId)) return false;
  const owner = state.doc.modules.find((m) => m.nodes.includes(nodeId));
  if (owner && state.doc.layout.modules[owner.id]?.collapsed) state.setModuleCollapsed(owner.id, false);
  editor.getState().select([nodeId]);
  const at = editor.getState().doc.layout.nodes[nodeId];
  if (!at || !view) return true;
  // The card's measured size when React Flow has it; cards are about 240 × 120 otherwise.
  const measured = view.getNode(nodeId)?.measured;
  void view.setCenter(at.x + (measured?.width ?? 240) / 2, at.y + (measured?.height ?? 120) / 2, { zoom: Math.max(0.8, view.getZoom()), duration });
  return true;
}

/** revealNode for components inside the canvas provider. */
export function useRevealNode(): (nodeId: string, duration?: number) => boolean {
  const { editor } = useServices();
  const view = useCanvas();
  return useCallback((nodeId: string, duration?: number) => revealNode(editor, view, nodeId, duration), [editor, view]);
}
