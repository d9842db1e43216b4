/**
 * A wire, coloured by the kind it carries and labelled with its tensor
 * shape. The label is SVG (not HTML) so a thousand wires stay cheap and
 * picture exports need no second renderer.
 */
import { BaseEdge, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';
import { kindColor } from '../editor/catalog';
import type { FlowEdge } from './projection';
import { useDetail } from './detail';
import { NODE_WIDTH } from './geometry';

const CHAR_WIDTH = 6.4;
/** 17 px against the 10.5 px of full detail. */
const COMPACT_LABEL_SCALE = 17 / 10.5;
const MAX_LABEL = 26;

export const ShapeEdge = memo(function ShapeEdge(props: EdgeProps<FlowEdge>) {
  const { id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, selected, markerEnd } = props;
  // Labels in type as legible as the cards around them; none at sketch zoom, where nothing is legible.
  const detail = useDetail();
  const [path, midX, midY] = getBezierPath({ sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition });
  const color = data?.bad ? 'var(--tw-error)' : kindColor(data?.kind);
  // Pyramids' shapes (P2 … P5) run long: the label shows their start, the wire's tooltip all of it.
  const full = data?.label ?? '';
  // A wire running far backwards (a wrapped layout's turn to the next stage) crosses other wires mid-way; its
  // label would land on theirs. Wires down a stage (one card width back) keep theirs.
  const backwards = targetX < sourceX - NODE_WIDTH - 60 && !selected && !data?.bad;
  const label = backwards ? '' : full.length > MAX_LABEL ? `${full.slice(0, MAX_LABEL - 1)}…` : full;
  // Compact zoom draws labels in larger type, so they stay as legible as the compact blocks.
  const scale = detail === 'compact' ? COMPACT_LABEL_SCALE : 1;
  const width = (label.length * CHAR_WIDTH + 10) * scale;
  // Long wires carry their label just before the input port they feed: each input takes one wire and ports
  // are a row apart, so labels never pile up where the wires of a multi-output node (an RPN) cross.
  const nearTarget = targetX - sourceX > 2 * width + 40;
  const labelX = nearTarget ? targetX - width / 2 - 14 : midX;
  const labelY = nearTarget ? targetY : midY;
  return (
    <>
      <BaseEdge
        id={id}
        path={path}
        markerEnd={markerEnd}
        className={`tw-edge${data?.bad ? ' bad' : ''}`}
        style={{ stroke: color, strokeWidth: selected ? 3 : 2, strokeDasharray: data?.bad ? '6 4' : undefined }}
        interactionWidth={detail === 'sketch' ? 0 : 14}
      />
      {label && detail !== 'sketch' && (
        <g className={`tw-edge-label ${detail}`} transform={`translate(${labelX} ${labelY})`} data-testid={`edge-label-${id}`}>
          {label !== full && <title>{full}</title>}
          <rect x={-width / 2} y={-9 * scale} width={width} height={18 * scale} rx={5 * scale} className={selected ? 'selected' : ''} style={{ stroke: color }} />
          <text textAnchor="middle" dominantBaseline="central">
            {label}
          </text>
        </g>
      )}
    </>
  );
});
