/**
 * The one layout of graphs (the builder's templates, files without
 * positions, the editor's Layout command, gallery thumbnails), written so
 * that a drawing shows the architecture:
 *
 * - columns by longest path from the inputs, so data flows left to right;
 * - long chains wrap: consecutive columns are stacked into stages, so a
 *   40-node network is a block of a few columns instead of one long row;
 * - given spatial levels (halvings of resolution), a stage holds the nodes
 *   of one resolution and sits lower the smaller it is: an encoder–decoder
 *   reads as a U, down then up;
 * - each module is laid out on its own and placed as one block, so its frame
 *   encloses exactly its members, and a GAN's networks sit side by side.
 *
 * Pure and synchronous: it runs in the builder, the CLI and the editor.
 */

export interface LayoutGraph {
  nodes: readonly { id: string }[];
  edges: readonly { from: { node: string }; to: { node: string } }[];
  modules?: readonly { id: string; nodes: readonly string[] }[];
}

export interface LayoutOptions {
  /** Card size; 240 × 100 when not given. */
  size?(id: string): { width: number; height: number };
  /** Resolution level (0 = input resolution, 1 = half, …); undefined for nodes without a spatial output. */
  level?(id: string): number | undefined;
  /** Room a module's frame takes around its members: title band above, padding on the other sides. */
  frame?: { top: number; side: number; bottom: number };
  /** Collapsed modules are one card of this size, placed where the module's first member goes. */
  collapsed?(moduleId: string): { width: number; height: number } | undefined;
}

export type Positions = Record<string, { x: number; y: number }>;

const COLUMN_GAP = 80;
const ROW_GAP = 36;
const STAGE_GAP = 110;
const LEVEL_DROP = 220;
const BLOCK_GAP = 70;
/** Columns that stay in one row; longer chains are stacked into stages. */
const MAX_FLAT_COLUMNS = 6;

interface Item {
  id: string;
  width: number;
  height: number;
  level?: number;
  /** Member positions relative to the item's corner (modules). */
  inner?: Positions;
}

export function layoutGraph(graph: LayoutGraph, options: LayoutOptions = {}): Positions {
  const size = options.size ?? (() => ({ width: 240, height: 100 }));
  const frame = options.frame ?? { top: 58, side: 24, bottom: 24 };
  const ids = new Set(graph.nodes.map((n) => n.id));
  const owner = new Map<string, string>();
  for (const m of graph.modules ?? []) for (const id of m.nodes) if (ids.has(id) && !owner.has(id)) owner.set(id, m.id);
  const itemOf = (id: string) => {
    const m = owner.get(id);
    return m === undefined ? id : `\u0000${m}`;
  };

  const items: Item[] = [];
  const seen = new Set<string>();
  for (const n of graph.nodes) {
    const key = itemOf(n.id);
    if (seen.has(key)) continue;
    seen.add(key);
    const moduleId = owner.get(n.id);
    if (moduleId === undefined) {
      items.push({ id: n.id, ...size(n.id), level: options.level?.(n.id) });
      continue;
    }
    const members = graph.nodes.filter((m) => owner.get(m.id) === moduleId);
    const folded = options.collapsed?.(moduleId);
    if (folded) {
      items.push({ id: key, ...folded, inner: Object.fromEntries(members.map((m) => [m.id, { x: 0, y: 0 }])) });
      continue;
    }
    const memberIds = new Set(members.map((m) => m.id));
    const inner = placeBlock(
      members.map((m) => ({ id: m.id, ...size(m.id), level: options.level?.(m.id) })),
      graph.edges.filter((e) => memberIds.has(e.from.node) && memberIds.has(e.to.node)).map((e) => [e.from.node, e.to.node] as const),
    );
    const shifted: Positions = {};
    for (const [id, p] of Object.entries(inner.positions)) shifted[id] = { x: p.x + frame.side, y: p.y + frame.top };
    items.push({ id: key, width: inner.width + 2 * frame.side, height: inner.height + frame.top + frame.bottom, inner: shifted });
  }
  const links = graph.edges
    .filter((e) => ids.has(e.from.node) && ids.has(e.to.node))
    .map((e) => [itemOf(e.from.node), itemOf(e.to.node)] as const)
    .filter(([a, b]) => a !== b);
  const top = placeBlock(items, links, BLOCK_GAP);
  const positions: Positions = {};
  for (const item of items) {
    const at = top.positions[item.id];
    if (item.inner) for (const [id, p] of Object.entries(item.inner)) positions[id] = { x: at.x + p.x, y: at.y + p.y };
    else positions[item.id] = at;
  }
  return positions;
}

/** Lays out items (cards or module blocks) with their links; positions are relative to the block's top-left corner. */
function placeBlock(items: Item[], links: readonly (readonly [string, string])[], extraGap = 0): { positions: Positions; width: number; height: number } {
  const byId = new Map(items.map((i) => [i.id, i]));
  const incoming = new Map<string, string[]>();
  for (const [a, b] of links) {
    if (!byId.has(a) || !byId.has(b)) continue;
    const list = incoming.get(b);
    if (list) list.push(a);
    else incoming.set(b, [a]);
  }
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (id: string): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    // A cycle (invalid, but it may be in a file) is cut where it closes.
    if (visiting.has(id)) return 0;
    visiting.add(id);
    let d = 0;
    for (const source of incoming.get(id) ?? []) d = Math.max(d, depthOf(source) + 1);
    visiting.delete(id);
    depth.set(id, d);
    return d;
  };
  const columns: Item[][] = [];
  for (const item of items) (columns[depthOf(item.id)] ??= []).push(item);
  const filled = columns.filter((c) => c !== undefined);

  // Within a column, order by where the sources sit (barycentre), so wires cross less.
  const rank = new Map<string, number>();
  for (const column of filled) {
    const key = (i: Item) => {
      const sources = (incoming.get(i.id) ?? []).map((s) => rank.get(s)).filter((r): r is number => r !== undefined);
      return sources.length > 0 ? sources.reduce((a, b) => a + b, 0) / sources.length : Infinity;
    };
    const order = column.map((item, index) => ({ item, index, key: key(item) }));
    order.sort((a, b) => (a.key === b.key ? a.index - b.index : a.key - b.key));
    column.splice(0, column.length, ...order.map((o) => o.item));
    column.forEach((item, i) => rank.set(item.id, i));
  }

  // Resolution reads among layers; among whole networks (module blocks) it is noise.
  const stages = stagesOf(filled, items.every((i) => !i.inner));
  const levelled = stages.some((s) => s.level !== undefined && s.level > 0);
  const colGap = COLUMN_GAP + extraGap;
  const positions: Positions = {};
  const span = (column: Item[]) => column.reduce((sum, i) => sum + i.height, 0) + (column.length - 1) * ROW_GAP;
  if (stages.every((s) => s.columns.length === 1)) {
    // One row of columns, each centred vertically on the tallest (and lower the smaller its resolution): a classic layered drawing.
    const tallest = Math.max(0, ...filled.map(span));
    let x = 0;
    let bottom = tallest;
    for (const [index, column] of filled.entries()) {
      const w = Math.max(...column.map((i) => i.width));
      let y = (tallest - span(column)) / 2 + (levelled ? (stages[index].level ?? 0) * LEVEL_DROP : 0);
      bottom = Math.max(bottom, y + span(column));
      for (const item of column) {
        positions[item.id] = { x: x + (w - item.width) / 2, y };
        y += item.height + ROW_GAP;
      }
      x += w + colGap;
    }
    return { positions, width: Math.max(0, x - colGap), height: bottom };
  }
  let x = 0;
  let width = 0;
  let height = 0;
  for (const stage of stages) {
    // A stage is its columns stacked top to bottom; a column's parallel nodes sit side by side.
    const rowWidth = (column: Item[]) => column.reduce((w, i) => w + i.width, 0) + (column.length - 1) * colGap;
    const stageWidth = Math.max(...stage.columns.map(rowWidth));
    let y = levelled ? (stage.level ?? 0) * LEVEL_DROP : 0;
    for (const column of stage.columns) {
      let cx = x + (stageWidth - rowWidth(column)) / 2;
      for (const item of column) {
        positions[item.id] = { x: cx, y };
        cx += item.width + colGap;
      }
      y += Math.max(...column.map((i) => i.height)) + ROW_GAP;
    }
    height = Math.max(height, y - ROW_GAP);
    width = x + stageWidth;
    x = width + (stage.columns.length > 1 ? STAGE_GAP : COLUMN_GAP) + extraGap;
  }
  return { positions, width: Math.max(width, 0), height: Math.max(height, 0) };
}

interface Stage {
  columns: Item[][];
  level?: number;
}

/**
 * Groups consecutive columns into stages. With resolution levels, a stage is
 * a run of columns at one level (an encoder block, the bottleneck, a
 * decoder block); without, short graphs keep one column per stage and long
 * ones take as many columns per stage as keeps the drawing about as wide
 * as a screen.
 */
function stagesOf(columns: Item[][], useLevels: boolean): Stage[] {
  const levelOf = (column: Item[]) => {
    if (!useLevels) return undefined;
    const known = column.map((i) => i.level).filter((l): l is number => l !== undefined);
    return known.length > 0 ? Math.max(...known) : undefined;
  };
  if (columns.length <= MAX_FLAT_COLUMNS) return columns.map((c) => ({ columns: [c], level: levelOf(c) }));
  const levels = columns.map(levelOf);
  const distinct = new Set(levels.filter((l) => l !== undefined));
  if (distinct.size > 1) {
    const stages: Stage[] = [];
    let current: Stage | undefined;
    let lastLevel: number | undefined;
    for (let i = 0; i < columns.length; i++) {
      const level = levels[i] ?? lastLevel;
      if (!current || level !== current.level) {
        current = { columns: [], level };
        stages.push(current);
      }
      current.columns.push(columns[i]);
      lastLevel = level;
    }
    return stages;
  }
  // About 1.6 : 1 on screen: k rows of ~136 units by columns / k stages of ~350: k² ≈ 1.6 · columns.
  const perStage = Math.max(2, Math.round(Math.sqrt(1.6 * columns.length)));
  const stages: Stage[] = [];
  for (let i = 0; i < columns.length; i += perStage) stages.push({ columns: columns.slice(i, i + perStage) });
  return stages;
}
