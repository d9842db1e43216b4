/**
 * Node card dimensions. The card's CSS uses the same numbers, so module
 * frames, auto-layout and picture exports can size nodes before (or without)
 * the browser measuring them.
 */
import type { AnyNodeDefinition } from '../../core/node-api';

export const NODE_WIDTH = 240;
export const HEADER_HEIGHT = 34;
export const ROW_HEIGHT = 22;
export const BODY_PADDING = 6;
export const FOOTER_HEIGHT = 24;
export const FRAME_PADDING = 24;
export const FRAME_TITLE = 34;
export const COLLAPSED_WIDTH = 220;

export function portRows(def: AnyNodeDefinition | undefined): number {
  if (!def) return 1;
  return Math.max(1, Object.keys(def.inputs).length, Object.keys(def.outputs).length);
}

export function nodeHeight(def: AnyNodeDefinition | undefined): number {
  return HEADER_HEIGHT + 2 * BODY_PADDING + portRows(def) * ROW_HEIGHT + FOOTER_HEIGHT;
}

export const collapsedHeight = () => HEADER_HEIGHT + 2 * BODY_PADDING + 2 * ROW_HEIGHT + FOOTER_HEIGHT;
