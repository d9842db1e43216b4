/**
 * Shape inference over a whole graph: each node's pure `inferShape` runs in
 * topological order on the types arriving on its wires. The editor calls
 * this on every edit, so it is linear in nodes + edges and never throws.
 *
 * It reports only what inference itself finds (shape mismatches, shape
 * rules that crash, outputs a node does not produce). Structural faults
 * (unknown types, bad params, missing or doubled wires, cycles) belong to
 * validateGraph; nodes touched by them, and everything downstream of any
 * node that could not be typed, are skipped without a word, so one mistake
 * yields one message.
 */
import { ShapeError, type DatasetInfo, type InputPorts, type OutputPorts } from '../node-api';
import { checkParam, defaultParams } from '../params';
import { formatValueType, kindAccepts, type ValueType } from '../types';
import type { Problem } from './problems';
import type { GraphRegistries } from './registries';
import type { GraphDocument, GraphEdge, GraphNode } from './schema';
import { datasetInfoOf, describeNode, nodeDefinition } from './lookup';

export interface InferredNode {
  inputs: Record<string, ValueType>;
  outputs: Record<string, ValueType>;
  /** Set when this node's own shape rule refused its inputs. */
  error?: Problem;
}

export interface InferResult {
  /** Nodes that were typed, or whose shape rule failed; skipped nodes are absent. */
  nodes: Record<string, InferredNode>;
  /** Topological order of every node not on a cycle (first node with a duplicated id only). */
  order: string[];
  problems: Problem[];
}

/** Wires into each node, by input port. Built once per call. */
type Incoming = Map<string, Map<string, GraphEdge[]>>;

export function inferGraph(graph: GraphDocument, registries: GraphRegistries): InferResult {
  const nodesById = new Map<string, { node: GraphNode; index: number }>();
  graph.nodes.forEach((node, index) => {
    if (!nodesById.has(node.id)) nodesById.set(node.id, { node, index });
  });

  const incoming: Incoming = new Map();
  const successors = new Map<string, string[]>();
  const indegree = new Map<string, number>();
  for (const id of nodesById.keys()) indegree.set(id, 0);
  for (const edge of graph.edges) {
    if (!nodesById.has(edge.from.node) || !nodesById.has(edge.to.node)) continue;
    let ports = incoming.get(edge.to.node);
    if (!ports) incoming.set(edge.to.node, (ports = new Map()));
    const wires = ports.get(edge.to.port);
    if (wires) wires.push(edge);
    else ports.set(edge.to.port, [edge]);
    const next = successors.get(edge.from.node);
    if (next) next.push(edge.to.node);
    else successors.set(edge.from.node, [edge.to.node]);
    indegree.set(edge.to.node, indegree.get(edge.to.node)! + 1);
  }

  // Kahn's algorithm; nodes on a cycle never reach indegree 0 and are left out.
  const order: string[] = [];
  for (const [id, degree] of indegree) if (degree === 0) order.push(id);
  for (let head = 0; head < order.length; head++) {
    for (const next of successors.get(order[head]) ?? []) {
      const remaining = indegree.get(next)! - 1;
      indegree.set(next, remaining);
      if (remaining === 0) order.push(next);
    }
  }

  const dataset = datasetInfoOf(graph, registries);
  // With the dataset itself broken (validateGraph says why), source nodes that
  // fail are taken to be failing for want of its fields, and stay quiet.
  const datasetBroken = dataset === undefined;
  const nodes: Record<string, InferredNode> = Object.create(null);
  const problems: Problem[] = [];
  for (const id of order) {
    const { node, index } = nodesById.get(id)!;
    const result = inferNode(node, index, incoming.get(id), nodes, nodesById, dataset, datasetBroken, registries);
    if (!result) continue;
    nodes[id] = result;
    if (result.error) problems.push(result.error);
  }
  return { nodes, order, problems };
}

function inferNode(
  node: GraphNode,
  index: number,
  wires: Map<string, GraphEdge[]> | undefined,
  typed: Record<string, InferredNode>,
  nodesById: Map<string, { node: GraphNode }>,
  dataset: DatasetInfo | undefined,
  datasetBroken: boolean,
  registries: GraphRegistries,
): InferredNode | undefined {
  const def = nodeDefinition(registries, node.type);
  if (!def || node.typeVersion !== def.version) return undefined;

  const params: Record<string, unknown> = defaultParams(def.params);
  for (const [name, value] of Object.entries(node.params)) {
    if (!Object.hasOwn(def.params, name)) continue;
    if (checkParam(def.params[name], value) !== null) return undefined;
    params[name] = value;
  }

  const path = ['nodes', index];
  const inputs: Record<string, ValueType> = Object.create(null);
  for (const [port, portDef] of Object.entries(def.inputs as InputPorts)) {
    const portWires = wires?.get(port);
    if (!portWires) {
      if (portDef.optional) continue;
      return undefined;
    }
    if (portWires.length > 1) return undefined;
    const source = portWires[0].from;
    const upstream = typed[source.node];
    if (!upstream || upstream.error) return undefined;
    const sourceNode = nodesById.get(source.node)!.node;
    const sourceDef = nodeDefinition(registries, sourceNode.type)!;
    const sourceOutputs = sourceDef.outputs as OutputPorts;
    const sourceOutput = Object.hasOwn(sourceOutputs, source.port) ? sourceOutputs[source.port] : undefined;
    const type = upstream.outputs[source.port];
    if (!sourceOutput || !kindAccepts(portDef.kinds, type?.kind ?? sourceOutput.kind)) return undefined;
    if (!type) {
      const error: Problem = {
        severity: 'error',
        code: 'output-unavailable',
        message: `${describeNode(sourceNode, sourceDef)} does not produce output '${source.port}' with its current params, so input '${port}' of ${describeNode(node, def)} gets nothing; wire another output or change that node's params.`,
        nodeId: node.id,
        port,
        path,
      };
      return { inputs, outputs: Object.create(null), error };
    }
    inputs[port] = type;
  }

  let produced: unknown;
  try {
    produced = def.inferShape({ inputs, params, dataset, registries } as Parameters<typeof def.inferShape>[0]);
  } catch (thrown) {
    if (datasetBroken && Object.keys(inputs).length === 0) return undefined;
    return { inputs, outputs: Object.create(null), error: shapeProblem(node, def.title, path, thrown, inputs) };
  }
  const outputs: Record<string, ValueType> = Object.create(null);
  if (produced && typeof produced === 'object') {
    for (const port of Object.keys(def.outputs)) {
      const type = (produced as Record<string, ValueType | undefined>)[port];
      if (type) outputs[port] = type;
    }
  }
  return { inputs, outputs };
}

function shapeProblem(node: GraphNode, title: string, path: (string | number)[], thrown: unknown, inputs: Record<string, ValueType>): Problem {
  const where = `${title} '${node.id}'`;
  if (thrown instanceof ShapeError) {
    return {
      severity: 'error',
      code: 'shape-mismatch',
      message: `${where}: ${thrown.message}`,
      nodeId: node.id,
      ...(thrown.at?.port !== undefined ? { port: thrown.at.port } : {}),
      ...(thrown.at?.param !== undefined ? { param: thrown.at.param } : {}),
      path: thrown.at?.param !== undefined ? [...path, 'params', thrown.at.param] : path,
    };
  }
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  const given = Object.entries(inputs)
    .map(([port, type]) => `${port}: ${formatValueType(type)}`)
    .join(', ');
  return {
    severity: 'error',
    code: 'infer-crashed',
    message: `${where}: its shape rule crashed (${reason}) on inputs {${given}}. This is a bug in node type '${node.type}'; please report it. Meanwhile try other params or inputs.`,
    nodeId: node.id,
    path,
  };
}
