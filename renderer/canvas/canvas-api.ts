/**
 * The live React Flow instance, for commands that act on the view (fit,
 * centre on a node, convert screen to canvas coordinates) from outside the
 * canvas component: shortcuts, menus, the problems panel.
 */
import type { ReactFlowInstance } from '@xyflow/react';
import type { EditorStore } from '../editor/editor-store';
import { NODE_WIDTH } from './geometry';
import type { FlowEdge, FlowNode } from './projection';

export type CanvasInstance = ReactFlowInstance<FlowNode, FlowEdge>;

let instance: CanvasInstance | null = null;
/** Last pointer position over the canvas, in canvas coordinates; pastes land there. */
let pointer: { x: number; y: number } | null = null;

export const canvasApi = {
  set(next: CanvasInstance | null) {
    instance = next;
  },
  get(): CanvasInstance | null {
    return instance;
  },
  setPointer(next: { x: number; y: number } | null) {
    pointer = next;
  },
  pointer(): { x: number; y: number } | null {
    return pointer;
  },
};

/**
 * Selects a node and brings it into view, expanding a collapsed module that
 * hides it: for the problems panel, and for anything else that names a node
 * (a trainer error, the host). Returns whether the node exists.
 */
export function revealNode(editor: EditorStore, nodeId: string, duration = 250): boolean {
  const state = editor.getState();
  if (!state.doc.nodes.some((n) => n.id === nodeId)) return false;
  const owner = state.doc.modules.find((m) => m.nodes.includes(nodeId));
  if (owner && state.doc.layout.modules[owner.id]?.collapsed) state.setModuleCollapsed(owner.id, false);
  editor.getState().select([nodeId]);
  const at = editor.getState().doc.layout.nodes[nodeId];
  const view = instance;
  if (at && view) void view.setCenter(at.x + NODE_WIDTH / 2, at.y + 60, { zoom: Math.max(0.8, view.getZoom()), duration });
  return true;
}
