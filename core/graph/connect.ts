/**
 * Whether a wire may go from one port to another. The editor asks while the
 * user drags a wire, so this checks only what is cheap and certain: that
 * both ports exist, run output → input, and that the kinds fit. Shapes are
 * left to inference, which needs the whole graph.
 */
import { describeKinds, kindAccepts, type PortKind } from '../types';
import { inferGraph } from './infer';
import type { GraphRegistries } from './registries';
import type { GraphDocument, GraphEdge, GraphNode } from './schema';
import { describeNode, didYouMean, nodeDefinition, quoteList } from './lookup';

/** One end of a prospective wire: a node in a graph, or a bare node type (palette previews). */
export interface PortRef {
  node: GraphNode | string;
  port: string;
}

export type ConnectRefusal =
  | 'unknown-node'
  | 'unknown-node-type'
  | 'unknown-port'
  | 'wrong-direction'
  | 'incompatible-kinds'
  | 'already-connected'
  | 'input-occupied'
  | 'would-create-cycle';

export type ConnectResult = { ok: true } | { ok: false; code: ConnectRefusal; reason: string };

const refuse = (code: ConnectRefusal, reason: string): ConnectResult => ({ ok: false, code, reason });

const typeOf = (ref: PortRef) => (typeof ref.node === 'string' ? ref.node : ref.node.type);

/**
 * `fromKind`, when known, is the kind actually flowing out of `from` (from
 * shape inference): pass-through nodes such as activations give the kind they
 * are fed, which can be narrower or other than their declared kind.
 */
export function canConnect(from: PortRef, to: PortRef, registries: GraphRegistries, fromKind?: PortKind): ConnectResult {
  const fromDef = nodeDefinition(registries, typeOf(from));
  const toDef = nodeDefinition(registries, typeOf(to));
  for (const [ref, def] of [
    [from, fromDef],
    [to, toDef],
  ] as const) {
    if (!def) {
      return refuse('unknown-node-type', `${describeNode(ref.node, def)} has unknown type '${typeOf(ref)}', so its ports are unknown.`);
    }
  }
  const fromName = describeNode(from.node, fromDef);
  const toName = describeNode(to.node, toDef);

  const fromOutput = Object.hasOwn(fromDef!.outputs, from.port) ? fromDef!.outputs[from.port] : undefined;
  if (!fromOutput) {
    if (Object.hasOwn(fromDef!.inputs, from.port)) {
      return refuse('wrong-direction', `'${from.port}' is an input of ${fromName}; a wire starts at an output (${quoteList(Object.keys(fromDef!.outputs))}).`);
    }
    return refuse(
      'unknown-port',
      `${fromName} has no output '${from.port}' (outputs: ${quoteList(Object.keys(fromDef!.outputs))}).${didYouMean(from.port, Object.keys(fromDef!.outputs))}`,
    );
  }
  const toInput = Object.hasOwn(toDef!.inputs, to.port) ? toDef!.inputs[to.port] : undefined;
  if (!toInput) {
    if (Object.hasOwn(toDef!.outputs, to.port)) {
      return refuse('wrong-direction', `'${to.port}' is an output of ${toName}; a wire ends at an input (${quoteList(Object.keys(toDef!.inputs))}).`);
    }
    return refuse(
      'unknown-port',
      `${toName} has no input '${to.port}' (inputs: ${quoteList(Object.keys(toDef!.inputs))}).${didYouMean(to.port, Object.keys(toDef!.inputs))}`,
    );
  }
  const givenKind = fromKind ?? fromOutput.kind;
  if (!kindAccepts(toInput.kinds, givenKind)) {
    return refuse(
      'incompatible-kinds',
      `${toName} input '${to.port}' accepts ${describeKinds(toInput.kinds)}; ${fromName} output '${from.port}' gives ${describeKinds([givenKind])}.`,
    );
  }
  return { ok: true };
}

/**
 * `canConnect` plus what the rest of the graph forbids: an input that
 * already has a wire, and a wire that would close a cycle. `edge` is not yet
 * in the graph (if it is, the answer is 'already-connected').
 */
export function canConnectInGraph(graph: GraphDocument, edge: GraphEdge, registries: GraphRegistries): ConnectResult {
  const fromNode = graph.nodes.find((n) => n.id === edge.from.node);
  const toNode = graph.nodes.find((n) => n.id === edge.to.node);
  if (!fromNode) return refuse('unknown-node', `there is no node '${edge.from.node}' to start the wire from.`);
  if (!toNode) return refuse('unknown-node', `there is no node '${edge.to.node}' to end the wire at.`);

  const fromKind = inferGraph(graph, registries).nodes[fromNode.id]?.outputs[edge.from.port]?.kind;
  const kinds = canConnect({ node: fromNode, port: edge.from.port }, { node: toNode, port: edge.to.port }, registries, fromKind);
  if (!kinds.ok) return kinds;

  const occupant = graph.edges.find((e) => e.to.node === edge.to.node && e.to.port === edge.to.port);
  if (occupant) {
    if (occupant.from.node === edge.from.node && occupant.from.port === edge.from.port) {
      return refuse('already-connected', `'${edge.from.node}'.${edge.from.port} is already wired to '${edge.to.node}'.${edge.to.port}.`);
    }
    return refuse(
      'input-occupied',
      `input '${edge.to.port}' of '${edge.to.node}' already has a wire from '${occupant.from.node}'.${occupant.from.port}; an input takes one wire, so remove that one first.`,
    );
  }

  const path = pathBetween(graph, edge.to.node, edge.from.node);
  if (path) {
    const loop = [...path, edge.to.node].map((id) => `'${id}'`).join(' → ');
    return refuse('would-create-cycle', `wiring '${edge.from.node}' into '${edge.to.node}' would close the loop ${loop}; graphs must not have cycles.`);
  }
  return { ok: true };
}

/** Node ids along some wire path from `start` to `goal` (both included), or undefined. */
function pathBetween(graph: GraphDocument, start: string, goal: string): string[] | undefined {
  if (start === goal) return [start];
  const successors = new Map<string, string[]>();
  for (const e of graph.edges) {
    const list = successors.get(e.from.node);
    if (list) list.push(e.to.node);
    else successors.set(e.from.node, [e.to.node]);
  }
  const cameFrom = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head];
    for (const next of successors.get(current) ?? []) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, current);
      if (next === goal) {
        const path = [goal];
        for (let at = goal; at !== start; ) {
          at = cameFrom.get(at)!;
          path.push(at);
        }
        return path.reverse();
      }
      queue.push(next);
    }
  }
  return undefined;
}
