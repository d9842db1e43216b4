/**
 * Draws the app icon (build/resources/icon.png, 512×512): three nodes wired
 * into a fourth on a dark rounded tile, in the editor's port colours.
 * Run with `tsx build/make-icon.ts` after changing it; the PNG is committed.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodePng } from '../core/data/png';

const SIZE = 512;
type Rgb = [number, number, number];

const nodes: { x: number; y: number; color: Rgb }[] = [
  { x: 150, y: 150, color: [86, 156, 214] },
  { x: 150, y: 362, color: [78, 201, 176] },
  { x: 362, y: 256, color: [255, 183, 77] },
];
const wires: [number, number][] = [
  [0, 2],
  [1, 2],
];

function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/** Coverage of a shape edge at signed distance d (negative inside), one pixel of antialiasing. */
const coverage = (d: number) => Math.max(0, Math.min(1, 0.5 - d));

function roundedTile(x: number, y: number): number {
  const half = SIZE / 2 - 16;
  const radius = 96;
  const qx = Math.abs(x - SIZE / 2) - (half - radius);
  const qy = Math.abs(y - SIZE / 2) - (half - radius);
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - radius;
}

function drawIcon(): Buffer {
  const rgba = new Uint8Array(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      let color: Rgb = [30, 31, 34];
      const blend = (over: Rgb, alpha: number) => {
        color = color.map((c, i) => c + (over[i] - c) * alpha) as Rgb;
      };
      for (const [from, to] of wires) {
        const a = nodes[from];
        const b = nodes[to];
        blend([200, 200, 210], coverage(distanceToSegment(px, py, a.x, a.y, b.x, b.y) - 12));
      }
      for (const node of nodes) {
        const d = Math.hypot(px - node.x, py - node.y);
        blend([30, 31, 34], coverage(d - 66));
        blend(node.color, coverage(d - 54));
      }
      const offset = (y * SIZE + x) * 4;
      rgba.set([Math.round(color[0]), Math.round(color[1]), Math.round(color[2]), Math.round(255 * coverage(roundedTile(px, py)))], offset);
    }
  }
  return encodePng(rgba, SIZE, SIZE);
}

writeFileSync(fileURLToPath(new URL('./resources/icon.png', import.meta.url)), drawIcon());
