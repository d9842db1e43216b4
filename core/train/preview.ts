/**
 * Sample pictures while training: the network's inputs, predictions and
 * targets on a fixed validation batch, rendered to PNG in the trainer so every
 * UI (and the run folder) gets the same pictures without moving tensors.
 */
import { tf } from '../tf';
import { StepExecutor } from '../compile/executor';
import { tensorsOf, type Program } from '../compile/compiler';
import { encodePng } from '../data/png';
import { isDenseKind } from '../types';

export interface PreviewPort {
  nodeId: string;
  port: string;
  title: string;
  role: 'input' | 'prediction' | 'target';
}

export interface PreviewPanel {
  nodeId: string;
  port: string;
  title: string;
  width: number;
  height: number;
  png: Buffer;
}

/** Distinct colours for class ids (0 = background is dark). */
const PALETTE: readonly [number, number, number][] = [
  [20, 20, 28], [230, 85, 75], [80, 170, 230], [250, 200, 60], [120, 200, 100], [190, 110, 220],
  [240, 140, 40], [60, 200, 190], [230, 110, 170], [160, 160, 160], [110, 90, 200], [200, 220, 120],
];

const MAX_SAMPLES = 4;
const MAX_PANELS = 8;
const GAP = 2;

/**
 * What to show: the spatial dataset fields the network reads, the class or
 * image outputs nobody consumes (a detector's final instances: what the graph
 * is for), then for each loss the prediction it compares and its target.
 */
export function selectPreviewPorts(program: Program): PreviewPort[] {
  const graph = program.graph;
  const spatial = (nodeId: string, port: string) => {
    const type = program.nodes.get(nodeId)?.outputTypes[port];
    // Boxes and keypoints are coordinates, not pictures, whatever their rank.
    return !!type && isDenseKind(type.kind) && type.kind !== 'boxes' && type.kind !== 'keypoints' && (type.shape?.length ?? 0) >= 3;
  };
  const chosen: PreviewPort[] = [];
  const add = (p: PreviewPort) => {
    if (chosen.length >= MAX_PANELS) return;
    if (chosen.some((c) => c.nodeId === p.nodeId && c.port === p.port)) return;
    if (spatial(p.nodeId, p.port)) chosen.push(p);
  };
  const lossNodes = new Set(graph.training.optimizers.flatMap((o) => o.losses.map((l) => l.node)));
  const datasetNodes = new Set(graph.nodes.filter((n) => program.nodes.get(n.id)?.def.readsDataset).map((n) => n.id));
  for (const edge of graph.edges) {
    if (datasetNodes.has(edge.from.node) && !lossNodes.has(edge.to.node)) {
      add({ nodeId: edge.from.node, port: edge.from.port, title: `input: ${edge.from.port}`, role: 'input' });
    }
  }
  const consumed = new Set(graph.edges.map((e) => `${e.from.node}.${e.from.port}`));
  for (const node of graph.nodes) {
    if (lossNodes.has(node.id) || datasetNodes.has(node.id)) continue;
    for (const [port, type] of Object.entries(program.nodes.get(node.id)?.outputTypes ?? {})) {
      if (consumed.has(`${node.id}.${port}`) || (type.kind !== 'labels' && type.kind !== 'image')) continue;
      add({ nodeId: node.id, port, title: `${node.id}.${port}`, role: 'prediction' });
    }
  }
  // Generated images: whatever a generator makes is the picture a GAN user came for, even when
  // only a discriminator consumes it (cGAN's fakes, CycleGAN's translations).
  for (const node of graph.nodes) {
    if (!node.type.startsWith('generator.')) continue;
    for (const [port, type] of Object.entries(program.nodes.get(node.id)?.outputTypes ?? {})) {
      if (type.kind === 'image') add({ nodeId: node.id, port, title: `generated: ${node.id}`, role: 'prediction' });
    }
  }
  // Whatever a discriminator judges is a picture too: real and generated side by side.
  for (const node of graph.nodes) {
    if (!node.type.startsWith('discriminator.')) continue;
    const input = program.nodes.get(node.id)?.wires.input;
    if (input && !datasetNodes.has(input.node)) add({ nodeId: input.node, port: input.port, title: `generated: ${input.node}`, role: 'prediction' });
  }
  for (const lossId of lossNodes) {
    const wires = program.nodes.get(lossId)?.wires ?? {};
    const prediction = wires.input ?? Object.values(wires)[0];
    if (prediction) add({ ...prediction, nodeId: prediction.node, title: `${prediction.node}.${prediction.port}`, role: 'prediction' });
    if (wires.target) add({ nodeId: wires.target.node, port: wires.target.port, title: `target: ${wires.target.port}`, role: 'target' });
  }
  return chosen;
}

/** Runs the program in eval mode on `batch` and renders each chosen port as a strip of samples. */
export function renderPreviews(program: Program, ports: readonly PreviewPort[], batch: Record<string, tf.Tensor>, step: number, seed: number): PreviewPanel[] {
  if (ports.length === 0) return [];
  const executor = new StepExecutor(program, { training: false, step, seed, batch });
  try {
    const outputs = executor.evaluate(ports.map((p) => p.nodeId));
    const panels: PreviewPanel[] = [];
    for (const port of ports) {
      const value = outputs.get(port.nodeId)?.[port.port];
      const tensor = tensorsOf(value)[0];
      if (!tensor) continue;
      const strip = renderStrip(tensor);
      if (strip) panels.push({ nodeId: port.nodeId, port: port.port, title: port.title, ...strip });
    }
    return panels;
  } finally {
    executor.dispose();
  }
}

/** Up to four samples side by side: images as RGB/grey, class maps and multi-channel logits as palette colours. */
export function renderStrip(tensor: tf.Tensor): { width: number; height: number; png: Buffer } | undefined {
  if (tensor.rank < 3) return undefined;
  const [n, h, w] = tensor.shape as number[];
  const channels = tensor.rank === 4 ? (tensor.shape[3] as number) : 1;
  const count = Math.min(n, MAX_SAMPLES);
  // A detector's per-RoI outputs can be empty at inference.
  if (count === 0 || h === 0 || w === 0) return undefined;
  const data = tensor.dataSync();
  const asClasses = tensor.dtype === 'int32' || channels > 3 || channels === 2;
  let lo = Infinity;
  let hi = -Infinity;
  if (!asClasses) {
    for (let i = 0; i < count * h * w * channels; i++) {
      const v = data[i];
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    // Keep the images' own scale when they fit a usual one, so a dim prediction looks dim.
    if (lo >= -1.001 && hi <= 1.001) [lo, hi] = lo < -0.001 ? [-1, 1] : [0, 1];
    if (hi - lo < 1e-8) hi = lo + 1;
  }
  const width = count * w + (count - 1) * GAP;
  const rgba = new Uint8Array(width * h * 4);
  for (let s = 0; s < count; s++) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const pixel = (s * h + y) * w + x;
        const out = (y * width + s * (w + GAP) + x) * 4;
        let r: number;
        let g: number;
        let b: number;
        if (asClasses) {
          let cls = 0;
          if (channels === 1) cls = data[pixel];
          else {
            let best = -Infinity;
            for (let c = 0; c < channels; c++) {
              const v = data[pixel * channels + c];
              if (v > best) {
                best = v;
                cls = c;
              }
            }
          }
          [r, g, b] = PALETTE[((cls % PALETTE.length) + PALETTE.length) % PALETTE.length];
        } else {
          const at = pixel * channels;
          const scale = (v: number) => Math.max(0, Math.min(255, Math.round(((v - lo) / (hi - lo)) * 255)));
          r = scale(data[at]);
          g = channels === 3 ? scale(data[at + 1]) : r;
          b = channels === 3 ? scale(data[at + 2]) : r;
        }
        rgba[out] = r;
        rgba[out + 1] = g;
        rgba[out + 2] = b;
        rgba[out + 3] = 255;
      }
    }
  }
  return { width, height: h, png: encodePng(rgba, width, h) };
}
