/**
 * The live React Flow instance, for commands that act on the view (fit,
 * centre on a node, convert screen to canvas coordinates) from outside the
 * canvas component: shortcuts, menus, the problems panel.
 */
import type { ReactFlowInstance } from '@xyflow/react';
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
