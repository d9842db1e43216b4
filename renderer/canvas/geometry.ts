/**
 * Node card dimensions. The card's CSS uses the same numbers, so module
 * frames, auto-layout, picture exports and React Flow itself (handle
 * positions, so wires draw before the browser has measured anything) know
 * every card's geometry without measuring.
 */
import { Position, type NodeHandle } from '@xyflow/react';
import type { AnyNodeDefinition } from '../../core/node-api';

export const NODE_WIDTH = 240;
export const NODE_BORDER = 1;
/** Header including its bottom border. */
export const HEADER_HEIGHT = 33;
export const ROW_HEIGHT = 22;
export const BODY_PADDING = 6;
/** Footer including its top border. */
export const FOOTER_HEIGHT = 24;
export const HANDLE_SIZE = 11;
export const FRAME_PADDING = 24;
export const FRAME_TITLE = 34;
export const COLLAPSED_WIDTH = 220;
/** Collapsed module card: border, header row, body. */
export const COLLAPSED_BODY = 68;

export function portRows(def: AnyNodeDefinition | undefined): number {
  if (!def) return 1;
  return Math.max(1, Object.keys(def.inputs).length, Object.keys(def.outputs).length);
}

export function nodeHeight(def: AnyNodeDefinition | undefined): number {
  return 2 * NODE_BORDER + HEADER_HEIGHT + 2 * BODY_PADDING + portRows(def) * ROW_HEIGHT + FOOTER_HEIGHT;
}

/** Vertical centre of port row `index`, from the card's top edge. */
export const portCenterY = (index: number) => NODE_BORDER + HEADER_HEIGHT + BODY_PADDING + index * ROW_HEIGHT + ROW_HEIGHT / 2;

const handleAt = (id: string, type: 'source' | 'target', cx: number, cy: number): NodeHandle => ({
  id,
  type,
  position: type === 'target' ? Position.Left : Position.Right,
  x: cx - HANDLE_SIZE / 2,
  y: cy - HANDLE_SIZE / 2,
  width: HANDLE_SIZE,
  height: HANDLE_SIZE,
});

/** Where a card's ports are, as React Flow wants them. */
export function cardHandles(def: AnyNodeDefinition | undefined): NodeHandle[] {
  if (!def) return [];
  return [
    ...Object.keys(def.inputs).map((port, i) => handleAt(port, 'target', NODE_BORDER, portCenterY(i))),
    ...Object.keys(def.outputs).map((port, i) => handleAt(port, 'source', NODE_WIDTH - NODE_BORDER, portCenterY(i))),
  ];
}

export const collapsedHeight = () => 2 * 1.5 + FRAME_TITLE + COLLAPSED_BODY;

export function collapsedHandles(): NodeHandle[] {
  const cy = 1.5 + FRAME_TITLE + COLLAPSED_BODY / 2;
  return [handleAt('in', 'target', 1.5, cy), handleAt('out', 'source', COLLAPSED_WIDTH - 1.5, cy)];
}
