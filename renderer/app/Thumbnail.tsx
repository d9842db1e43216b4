/**
 * A template's picture in the gallery: its own layout drawn small, nodes
 * coloured by category, so a U-Net looks like a U and a GAN like two nets.
 */
import type { GraphDocument } from '../../core/graph/schema';
import { nodeDef } from '../editor/catalog';
import { NODE_WIDTH, nodeHeight } from '../canvas/geometry';

export const CATEGORY_COLORS: Record<string, string> = {
  io: '#37c2b4',
  layers: '#4f8cff',
  backbones: '#7b61ff',
  necks: '#2d6cdf',
  detection: '#f2c94c',
  segmentation: '#c678dd',
  keypoints: '#ff6b6b',
  generative: '#f2994a',
  losses: '#27ae60',
  utility: '#9aa5b1',
};

export function Thumbnail({ doc, width = 280, height = 130, nodeWidth = NODE_WIDTH }: { doc: GraphDocument; width?: number; height?: number; nodeWidth?: number }) {
  const boxes = doc.nodes.map((n) => {
    const at = doc.layout.nodes[n.id] ?? { x: 0, y: 0 };
    const def = nodeDef(n.type);
    return { id: n.id, x: at.x, y: at.y, h: nodeHeight(def), color: CATEGORY_COLORS[def?.category ?? 'utility'] ?? '#888' };
  });
  if (boxes.length === 0) return <svg width={width} height={height} className="tw-thumb" role="img" aria-label="empty graph" />;
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + nodeWidth));
  const y1 = Math.max(...boxes.map((b) => b.y + b.h));
  const pad = 24;
  const viewBox = `${x0 - pad} ${y0 - pad} ${x1 - x0 + 2 * pad} ${y1 - y0 + 2 * pad}`;
  const byId = new Map(boxes.map((b) => [b.id, b]));
  return (
    <svg width={width} height={height} viewBox={viewBox} preserveAspectRatio="xMidYMid meet" className="tw-thumb" role="img" aria-label={`${doc.nodes.length} nodes`}>
      {doc.edges.map((e, i) => {
        const a = byId.get(e.from.node);
        const b = byId.get(e.to.node);
        if (!a || !b) return null;
        const sx = a.x + nodeWidth;
        const sy = a.y + a.h / 2;
        const tx = b.x;
        const ty = b.y + b.h / 2;
        const bend = Math.max(30, Math.abs(tx - sx) / 2);
        return <path key={i} d={`M${sx},${sy} C${sx + bend},${sy} ${tx - bend},${ty} ${tx},${ty}`} className="tw-thumb-edge" />;
      })}
      {boxes.map((b) => (
        <rect key={b.id} x={b.x} y={b.y} width={nodeWidth} height={b.h} rx={14} fill={b.color} className="tw-thumb-node" />
      ))}
    </svg>
  );
}
