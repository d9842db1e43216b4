/**
 * Per-node facts for `tensorweave info`: output types from shape inference,
 * parameter counts from the weights the compiler actually creates (so they
 * can never drift from what trains), and FLOPs from each node's own rule.
 */
import { compileGraph } from '../compile/compiler';
import type { GraphDocument } from '../graph/schema';
import { formatProblem, type Problem } from '../graph/problems';
import { formatValueType, type ValueType } from '../types';
import type { GraphRegistries } from '../graph/registries';

export interface NodeInfo {
  nodeId: string;
  type: string;
  module: string;
  outputs: Record<string, ValueType>;
  /** Trainable parameters this node owns; 0 for a node that uses another's (shareWeightsWith), so totals count them once. */
  parameters: number;
  /** The node whose weights this one uses, when it shares. */
  sharesWeightsWith?: string;
  /** Forward FLOPs per sample from the node's own rule; undefined only when the rule failed. */
  flops?: number;
}

export function describeGraph(graph: GraphDocument, registries: GraphRegistries): NodeInfo[] {
  const program = compileGraph(graph, { registries });
  try {
    return program.order.map((id) => {
      const node = program.nodes.get(id)!;
      const params = graph.nodes.find((n) => n.id === id)!.params;
      let flops: number | undefined;
      try {
        flops = node.def.flops?.({ inputs: node.inputTypes, params, dataset: program.dataset, outputs: node.outputTypes } as never);
      } catch {
        // A failing estimate shows as unknown rather than hiding the rest of the table.
        flops = undefined;
      }
      const sharesWeightsWith = graph.nodes.find((n) => n.id === id)!.shareWeightsWith;
      return {
        nodeId: id,
        type: node.def.type,
        module: node.moduleId,
        outputs: node.outputTypes,
        // A borrower's weights are its owner's (weight.nodeId names the owner): counted there, once.
        parameters: node.weights.filter((w) => w.trainable && w.nodeId === id).reduce((a, w) => a + w.variable.size, 0),
        ...(sharesWeightsWith !== undefined ? { sharesWeightsWith } : {}),
        flops,
      };
    });
  } finally {
    program.dispose();
  }
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatFlops(n: number): string {
  return `${formatCount(n)}FLOP`;
}

/**
 * What `tensorweave info` prints: the graph's warnings first (a user reading
 * sizes should not miss that half the model never trains), then one row per
 * node and the totals, with shared weights counted once.
 */
export function infoText(graph: GraphDocument, problems: readonly Problem[], registries: GraphRegistries, file = ''): string {
  const out: string[] = [];
  for (const p of problems) out.push(`${file ? `${file}: ` : ''}${formatProblem(p)}`);
  if (problems.length > 0) out.push('');
  const rows = describeGraph(graph, registries);
  // Outputs go last: a dataset node lists many, and a wide middle column would pad every row.
  const header = ['node', 'type', 'module', 'params', 'FLOPs/sample', 'outputs'];
  const table = rows.map((r) => [
    r.nodeId,
    r.type,
    r.module,
    r.sharesWeightsWith !== undefined ? `= ${r.sharesWeightsWith}` : formatCount(r.parameters),
    r.flops === undefined ? '?' : formatFlops(r.flops),
    Object.entries(r.outputs)
      .map(([port, t]) => `${port}: ${formatValueType(t)}`)
      .join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  out.push(line(header), line(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? header[i].length : w))));
  for (const row of table) out.push(line(row));
  const totalParams = rows.reduce((a, r) => a + r.parameters, 0);
  const totalFlops = rows.reduce((a, r) => a + (r.flops ?? 0), 0);
  const shared = rows.filter((r) => r.sharesWeightsWith !== undefined).length;
  const sharedNote = shared > 0 ? `; ${shared} node${shared === 1 ? '' : 's'} use${shared === 1 ? 's' : ''} another's weights ("= owner"), counted once` : '';
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  const warningNote = warnings > 0 ? ` — ${warnings} warning${warnings === 1 ? '' : 's'} above` : '';
  out.push('', `${graph.name}: ${rows.length} nodes, ${formatCount(totalParams)} parameters (${totalParams})${sharedNote}, ${formatFlops(totalFlops)} per sample forward${warningNote}`);
  return `${out.join('\n')}\n`;
}
