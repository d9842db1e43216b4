import { describe, expect, it } from 'vitest';
import { layoutGraph } from '../../../core/graph/layout';
import { templates } from '../../../nodes/templates';

const W = 240;
const H = 100;
const FRAME = { top: 58, side: 24, bottom: 24 };

type Box = { x0: number; y0: number; x1: number; y1: number };
const overlaps = (a: Box, b: Box) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

describe('layoutGraph', () => {
  for (const template of templates) {
    it(`${template.id}: no two cards overlap, and each module's frame holds exactly its members`, () => {
      const doc = template.build();
      const at = layoutGraph(doc, { frame: FRAME });
      const boxes = doc.nodes.map((n) => ({ id: n.id, x0: at[n.id].x, y0: at[n.id].y, x1: at[n.id].x + W, y1: at[n.id].y + H }));
      for (const a of boxes) for (const b of boxes) if (a.id < b.id) expect(overlaps(a, b), `${a.id} overlaps ${b.id}`).toBe(false);
      const frames = doc.modules.map((m) => {
        const members = boxes.filter((b) => m.nodes.includes(b.id));
        return {
          id: m.id,
          members: new Set(m.nodes),
          x0: Math.min(...members.map((b) => b.x0)) - FRAME.side,
          y0: Math.min(...members.map((b) => b.y0)) - FRAME.top,
          x1: Math.max(...members.map((b) => b.x1)) + FRAME.side,
          y1: Math.max(...members.map((b) => b.y1)) + FRAME.bottom,
        };
      });
      for (const f of frames) {
        for (const b of boxes) if (!f.members.has(b.id)) expect(overlaps(f, b), `${b.id} inside frame ${f.id}`).toBe(false);
        // Frames never overlap, so their titles never print over each other.
        for (const g of frames) if (f.id < g.id) expect(overlaps(f, g), `frames ${f.id} and ${g.id} overlap`).toBe(false);
      }
    });
  }

  it('wraps a long chain into stages instead of one row', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => ({ id: `n${i}` }));
    const edges = nodes.slice(1).map((n, i) => ({ from: { node: `n${i}` }, to: { node: n.id } }));
    const at = layoutGraph({ nodes, edges });
    const xs = nodes.map((n) => at[n.id].x);
    const ys = nodes.map((n) => at[n.id].y);
    const width = Math.max(...xs) - Math.min(...xs) + W;
    const height = Math.max(...ys) - Math.min(...ys) + H;
    expect(width / height).toBeGreaterThan(0.6);
    expect(width / height).toBeLessThan(4);
  });

  it('draws an encoder–decoder as a U: down to the bottleneck, then back up', () => {
    // 3 layers per level, levels 0 1 2 1 0.
    const levels = [0, 0, 0, 1, 1, 1, 2, 2, 2, 1, 1, 1, 0, 0, 0];
    const nodes = levels.map((_, i) => ({ id: `n${i}` }));
    const edges = nodes.slice(1).map((n, i) => ({ from: { node: `n${i}` }, to: { node: n.id } }));
    const at = layoutGraph({ nodes, edges }, { level: (id) => levels[Number(id.slice(1))] });
    const top = (i: number) => at[`n${i}`].y;
    const x = (i: number) => at[`n${i}`].x;
    expect(top(3)).toBeGreaterThan(top(0));
    expect(top(6)).toBeGreaterThan(top(3));
    expect(top(9)).toBeLessThan(top(6));
    expect(top(12)).toBeLessThan(top(9));
    expect(x(12)).toBeGreaterThan(x(6));
    expect(x(6)).toBeGreaterThan(x(0));
  });
});
