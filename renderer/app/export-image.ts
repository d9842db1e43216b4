/**
 * The canvas as a standalone picture for papers and slides: an SVG drawn
 * from the document (positions, ports, inferred shapes) rather than a DOM
 * screenshot, so it is crisp at any size, has no UI chrome, and looks the
 * same in Electron and in a browser. PNG is the same SVG rasterised.
 */
import type { GraphDocument } from '../../core/graph/schema';
import type { InputPorts, OutputPorts } from '../../core/node-api';
import { formatValueType, type PortKind } from '../../core/types';
import type { Analysis } from '../editor/analysis';
import { kindColor, nodeDef } from '../editor/catalog';
import { FOOTER_HEIGHT, FRAME_PADDING, FRAME_TITLE, HEADER_HEIGHT, NODE_WIDTH, nodeHeight, portCenterY } from '../canvas/geometry';

interface Palette {
  background: string;
  card: string;
  header: string;
  border: string;
  text: string;
  muted: string;
  frame: string;
}

const PALETTES: Record<'dark' | 'light', Palette> = {
  dark: { background: '#15171c', card: '#23262e', header: '#2c3039', border: '#3b404c', text: '#e7e9ee', muted: '#9aa1ad', frame: 'rgba(120,140,200,0.10)' },
  light: { background: '#ffffff', card: '#ffffff', header: '#f0f2f6', border: '#c9ced8', text: '#1d2330', muted: '#5b6474', frame: 'rgba(80,110,200,0.08)' },
};

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function graphToSvg(doc: GraphDocument, analysis: Analysis, theme: 'dark' | 'light'): { svg: string; width: number; height: number } {
  const colors = PALETTES[theme];
  const boxes = new Map<string, { x: number; y: number; h: number }>();
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const node of doc.nodes) {
    const at = doc.layout.nodes[node.id] ?? { x: 0, y: 0 };
    const h = nodeHeight(nodeDef(node.type));
    boxes.set(node.id, { x: at.x, y: at.y, h });
    x0 = Math.min(x0, at.x);
    y0 = Math.min(y0, at.y);
    x1 = Math.max(x1, at.x + NODE_WIDTH);
    y1 = Math.max(y1, at.y + h);
  }
  if (!Number.isFinite(x0)) [x0, y0, x1, y1] = [0, 0, 200, 100];
  const margin = 40 + FRAME_PADDING + FRAME_TITLE;
  const width = Math.ceil(x1 - x0 + 2 * margin);
  const height = Math.ceil(y1 - y0 + 2 * margin);
  const ox = margin - x0;
  const oy = margin - y0;

  const parts: string[] = [];
  parts.push(`<rect width="${width}" height="${height}" fill="${colors.background}"/>`);

  for (const module of doc.modules) {
    const members = module.nodes.map((id) => boxes.get(id)).filter((b) => b !== undefined);
    if (members.length === 0) continue;
    const fx = Math.min(...members.map((b) => b.x)) - FRAME_PADDING + ox;
    const fy = Math.min(...members.map((b) => b.y)) - FRAME_PADDING - FRAME_TITLE + oy;
    const fw = Math.max(...members.map((b) => b.x + NODE_WIDTH)) + FRAME_PADDING + ox - fx;
    const fh = Math.max(...members.map((b) => b.y + b.h)) + FRAME_PADDING + oy - fy;
    parts.push(
      `<rect x="${fx}" y="${fy}" width="${fw}" height="${fh}" rx="12" fill="${colors.frame}" stroke="${colors.border}" stroke-dasharray="6 4"/>`,
      `<text x="${fx + 14}" y="${fy + 22}" fill="${colors.text}" font-size="14" font-weight="600">${escapeXml(module.name)}</text>`,
    );
  }

  const typeOf = new Map(doc.nodes.map((n) => [n.id, n.type]));
  const portY = (box: { y: number }, index: number) => box.y + portCenterY(index) + oy;
  for (const edge of doc.edges) {
    const from = boxes.get(edge.from.node);
    const to = boxes.get(edge.to.node);
    const fromDef = nodeDef(typeOf.get(edge.from.node) ?? '');
    const toDef = nodeDef(typeOf.get(edge.to.node) ?? '');
    if (!from || !to || !fromDef || !toDef) continue;
    const sx = from.x + NODE_WIDTH + ox;
    const sy = portY(from, Math.max(0, Object.keys(fromDef.outputs).indexOf(edge.from.port)));
    const tx = to.x + ox;
    const ty = portY(to, Math.max(0, Object.keys(toDef.inputs).indexOf(edge.to.port)));
    const bend = Math.max(40, Math.abs(tx - sx) / 2);
    const type = analysis.inferred[edge.from.node]?.outputs[edge.from.port];
    const color = kindColor((type?.kind ?? fromDef.outputs[edge.from.port]?.kind) as PortKind | undefined);
    parts.push(`<path d="M${sx},${sy} C${sx + bend},${sy} ${tx - bend},${ty} ${tx},${ty}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (type) {
      const label = escapeXml(formatValueType(type));
      const lx = (sx + tx) / 2;
      const ly = (sy + ty) / 2;
      const w = label.length * 6.4 + 10;
      parts.push(
        `<rect x="${lx - w / 2}" y="${ly - 9}" width="${w}" height="18" rx="5" fill="${colors.card}" stroke="${color}"/>`,
        `<text x="${lx}" y="${ly + 4}" fill="${colors.text}" font-size="11" text-anchor="middle" font-family="ui-monospace, Menlo, monospace">${label}</text>`,
      );
    }
  }

  for (const node of doc.nodes) {
    const box = boxes.get(node.id)!;
    const def = nodeDef(node.type);
    const x = box.x + ox;
    const y = box.y + oy;
    const hasError = analysis.byNode.get(node.id)?.some((p) => p.severity === 'error');
    parts.push(
      `<g>`,
      `<rect x="${x}" y="${y}" width="${NODE_WIDTH}" height="${box.h}" rx="8" fill="${colors.card}" stroke="${hasError ? '#e5484d' : colors.border}" stroke-width="${hasError ? 2 : 1}"/>`,
      `<path d="M${x},${y + HEADER_HEIGHT} v-${HEADER_HEIGHT - 8} a8,8 0 0 1 8,-8 h${NODE_WIDTH - 16} a8,8 0 0 1 8,8 v${HEADER_HEIGHT - 8} z" fill="${colors.header}"/>`,
      `<text x="${x + 12}" y="${y + 22}" fill="${colors.text}" font-size="13" font-weight="600">${escapeXml(node.label || def?.title || node.type)}</text>`,
      `<text x="${x + NODE_WIDTH - 10}" y="${y + 22}" fill="${colors.muted}" font-size="10" text-anchor="end">${escapeXml(node.id)}</text>`,
    );
    const inferred = analysis.inferred[node.id];
    Object.entries((def?.inputs ?? {}) as InputPorts).forEach(([port, spec], i) => {
      const py = portY(box, i);
      parts.push(
        `<circle cx="${x}" cy="${py}" r="5" fill="${kindColor(spec.kinds[0] as PortKind)}"/>`,
        `<text x="${x + 12}" y="${py + 4}" fill="${colors.text}" font-size="11">${escapeXml(port)}</text>`,
      );
    });
    Object.entries((def?.outputs ?? {}) as OutputPorts).forEach(([port, spec], i) => {
      const py = portY(box, i);
      const type = inferred?.outputs[port];
      parts.push(
        `<circle cx="${x + NODE_WIDTH}" cy="${py}" r="5" fill="${kindColor(spec.kind as PortKind)}"/>`,
        `<text x="${x + NODE_WIDTH - 12}" y="${py + 4}" fill="${colors.text}" font-size="11" text-anchor="end">${escapeXml(port)}${type ? ` <tspan fill="${colors.muted}" font-family="ui-monospace, Menlo, monospace">${escapeXml(formatValueType(type))}</tspan>` : ''}</text>`,
      );
    });
    parts.push(`<line x1="${x}" y1="${y + box.h - FOOTER_HEIGHT}" x2="${x + NODE_WIDTH}" y2="${y + box.h - FOOTER_HEIGHT}" stroke="${colors.border}"/>`, `</g>`);
  }

  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="Inter, 'Segoe UI', system-ui, sans-serif">${parts.join('')}</svg>`;
  return { svg, width, height };
}

/** Rasterises an SVG at `scale` (2 = crisp on slides); resolves to base64 PNG bytes. */
export function svgToPngBase64(svg: string, width: number, height: number, scale = 2): Promise<string> {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = Math.ceil(width * scale);
      canvas.height = Math.ceil(height * scale);
      const context = canvas.getContext('2d');
      if (!context) {
        reject(new Error('this window cannot draw on a canvas'));
        return;
      }
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      resolve(canvas.toDataURL('image/png').slice('data:image/png;base64,'.length));
    };
    image.onerror = () => reject(new Error('the picture could not be rasterised'));
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  });
}
