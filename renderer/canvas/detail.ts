/**
 * Semantic zoom: how much a card says depends on how large it is on screen.
 * The thresholds follow from the CSS font sizes so that every piece of text
 * drawn is at least 9 px high on screen (the glyph box is about 1.17× the
 * font size): full cards' smallest text is 10.5 px, compact blocks' 17 px.
 */
import { useStore, type ReactFlowState } from '@xyflow/react';
import { createContext, useContext } from 'react';

export type Detail = 'full' | 'compact' | 'sketch';

/** At or above this zoom cards show ports, params and wire labels (10.5 px text ≥ 9 px on screen). */
export const FULL_ZOOM = 0.75;
/** The least zoom at which compact blocks are legible; graphs open at or above it. */
export const LEGIBLE_ZOOM = 0.5;
/** Below this even compact text is a few pixels high; cards draw as coloured sketches, which is also fastest. */
export const SKETCH_ZOOM = 0.3;

export function detailAt(zoom: number): Detail {
  return zoom >= FULL_ZOOM ? 'full' : zoom >= SKETCH_ZOOM ? 'compact' : 'sketch';
}

const selectDetail = (s: ReactFlowState): Detail => detailAt(s.transform[2]);

/** The current detail level, read once by the canvas from React Flow's store (re-rendering only when it changes). */
export const useViewportDetail = (): Detail => useStore(selectDetail);

/**
 * The detail level handed down to cards and wires: one subscription to the
 * viewport instead of one per card and wire (thousands, each called on every
 * pan and zoom frame).
 */
export const DetailContext = createContext<Detail>('full');
export const useDetail = (): Detail => useContext(DetailContext);
