/**
 * Everything that can be wrong with a structurally valid graph, all reported
 * at once: each problem names its node, port or param and says how to fix
 * it. Shape problems come from inferGraph, so a graph that validates clean
 * also compiles as far as types go.
 */
import type { AnyNodeDefinition, InputPorts, OutputPorts } from '../node-api';
import { checkParam, defaultParams, describeParam, hasUsableDefault, type ParamSpec } from '../params';
import { describeKinds } from '../types';
import { canConnect } from './connect';
import { inferGraph, type InferResult } from './infer';
import { closestName, datasetDefinition, datasetInfoOf, didYouMean, describeNode, nodeDefinition, quoteList } from './lookup';
import { trainableWeightCount } from './weights';
import type { Problem } from './problems';
import type { GraphRegistries } from './registries';
import { MAIN_MODULE, type GraphDocument, type GraphNode } from './schema';

const error = (code: string, message: string, where: Partial<Problem> = {}): Problem => ({ severity: 'error', code, message, ...where });
const warning = (code: string, message: string, where: Partial<Problem> = {}): Problem => ({ severity: 'warning', code, message, ...where });

const endpoint = (e: { node: string; port: string }) => `'${e.node}'.${e.port}`;

interface KnownNode {
  node: GraphNode;
  index: number;
  /** Undefined for unknown types. */
  def: AnyNodeDefinition | undefined;
  /** True when the node's type is known at the version saved, so its ports and params can be checked. */
  current: boolean;
}

export function validateGraph(graph: GraphDocument, registries: GraphRegistries): Problem[] {
  return checkGraph(graph, registries).problems;
}

/** What validating a graph found, with the shape inference it ran, so the compiler need not run it again. */
export interface GraphCheck {
  problems: Problem[];
  inferred: InferResult;
}

export function checkGraph(graph: GraphDocument, registries: GraphRegistries): GraphCheck {
  const problems: Problem[] = [];
  const nodes = checkNodes(graph, registries, problems);
  // Wires are kind-checked against what flows on them: a pass-through node
  // (activation, norm, dropout) gives whatever kind it was fed.
  const inferred = inferGraph(graph, registries);
  checkEdges(graph, nodes, registries, problems, inferred);
  checkCycles(graph, nodes, problems);
  const modules = checkModulesAndTraining(graph, nodes, problems);
  checkUntrainedWeights(graph, nodes, modules, inferred, registries, problems);
  checkSharedWeights(graph, nodes, problems);
  checkDataset(graph, registries, problems);
  checkLayout(graph, nodes, problems);
  problems.push(...inferred.problems);
  return { problems, inferred };
}

function checkNodes(graph: GraphDocument, registries: GraphRegistries, problems: Problem[]): Map<string, KnownNode> {
  const nodes = new Map<string, KnownNode>();
  const knownTypes = Object.keys(registries.nodes);
  graph.nodes.forEach((node, index) => {
    const path = ['nodes', index];
    const first = nodes.get(node.id);
    if (first) {
      problems.push(
        error('duplicate-node-id', `nodes #${first.index} and #${index} both have id '${node.id}'; node ids must be unique, so rename one (and the wires and modules that mean it).`, {
          nodeId: node.id,
          path: [...path, 'id'],
        }),
      );
      return;
    }
    const def = nodeDefinition(registries, node.type);
    const entry: KnownNode = { node, index, def, current: false };
    nodes.set(node.id, entry);
    if (!def) {
      problems.push(
        error('unknown-node-type', `node '${node.id}' has unknown type '${node.type}'.${didYouMean(node.type, knownTypes) || ' Pick a type from the node palette.'}`, {
          nodeId: node.id,
          path: [...path, 'type'],
        }),
      );
      return;
    }
    if (node.typeVersion > def.version) {
      problems.push(
        error('node-version-too-new', `node '${node.id}' was saved by a newer Tensorweave (${def.title} version ${node.typeVersion}; this app knows version ${def.version}). Update the app to open this graph.`, {
          nodeId: node.id,
          path: [...path, 'typeVersion'],
        }),
      );
      return;
    }
    if (node.typeVersion < def.version) {
      problems.push(
        error('node-version-outdated', `node '${node.id}' (${def.title}) is at version ${node.typeVersion} but the app's is ${def.version}; open the file with loadGraph, which upgrades it.`, {
          nodeId: node.id,
          path: [...path, 'typeVersion'],
        }),
      );
      return;
    }
    entry.current = true;
    checkParams(node, def, path, problems);
  });
  return nodes;
}

function checkParams(node: GraphNode, def: AnyNodeDefinition, path: (string | number)[], problems: Problem[]): void {
  const known = Object.keys(def.params);
  const defaults = defaultParams(def.params) as Record<string, unknown>;
  for (const name of known) {
    const where = { nodeId: node.id, param: name, path: [...path, 'params', name] };
    if (!Object.hasOwn(node.params, name)) {
      // loadGraph fills params that have a usable default; a graph built in code reaches here without them.
      const spec = def.params[name];
      const message = hasUsableDefault(spec)
        ? `param '${name}' of ${describeNode(node, def)} is missing; add it (its default is ${JSON.stringify(defaults[name])}: ${spec.doc})`
        : `param '${name}' of ${describeNode(node, def)} is missing and has no default; set it (${describeParamWithoutDefault(spec)}: ${spec.doc})`;
      problems.push(error('missing-param', message, where));
      continue;
    }
    const why = checkParam(def.params[name], node.params[name]);
    if (why) problems.push(error('invalid-param', `param '${name}' of ${describeNode(node, def)} ${why}; expected ${describeParam(def.params[name])}.${enumSuggestion(def.params[name], node.params[name])}`, where));
  }
  for (const name of Object.keys(node.params)) {
    if (Object.hasOwn(def.params, name)) continue;
    problems.push(
      error('unknown-param', `unknown param '${name}' on ${describeNode(node, def)} (known: ${quoteList(known, 40)}); remove it.${didYouMean(name, known)}`, {
        nodeId: node.id,
        param: name,
        path: [...path, 'params', name],
      }),
    );
  }
}

/** "Did you mean 'reflect'?" for an enum value written in the wrong case or with a typo. */
function enumSuggestion(spec: ParamSpec, value: unknown): string {
  return spec.type === 'enum' && typeof value === 'string' ? didYouMean(value, spec.options) : '';
}

/** "text" rather than "text, default ''" for a param whose default is not a valid value. */
function describeParamWithoutDefault(spec: ParamSpec): string {
  return describeParam(spec).replace(/, default .*$/, '');
}

function checkEdges(graph: GraphDocument, nodes: Map<string, KnownNode>, registries: GraphRegistries, problems: Problem[], inferred: InferResult): void {
  const seen = new Map<string, number>();
  const wiresInto = new Map<string, number[]>();
  graph.edges.forEach((edge, index) => {
    const path = ['edges', index];
    const describe = `edge #${index} (${endpoint(edge.from)} → ${endpoint(edge.to)})`;
    const from = nodes.get(edge.from.node);
    const to = nodes.get(edge.to.node);
    if (!from || !to) {
      const missing = [!from ? `'${edge.from.node}'` : undefined, !to ? `'${edge.to.node}'` : undefined].filter(Boolean).join(' and ');
      problems.push(
        error('dangling-edge', `${describe} refers to ${missing}, which ${!from && !to && edge.from.node !== edge.to.node ? 'are not nodes' : 'is not a node'} in this graph; delete the wire or add the node.${didYouMean(!from ? edge.from.node : edge.to.node, nodes.keys())}`, {
          nodeId: to ? edge.to.node : from ? edge.from.node : undefined,
          path,
        }),
      );
      return;
    }

    const key = `${edge.from.node}\u0000${edge.from.port}\u0000${edge.to.node}\u0000${edge.to.port}`;
    const firstIndex = seen.get(key);
    if (firstIndex !== undefined) {
      problems.push(error('duplicate-edge', `${describe} repeats edge #${firstIndex}; delete one of them.`, { nodeId: edge.to.node, port: edge.to.port, path }));
      return;
    }
    seen.set(key, index);

    if (from.current && to.current) {
      const fromKind = inferred.nodes[edge.from.node]?.outputs[edge.from.port]?.kind;
      const verdict = canConnect({ node: from.node, port: edge.from.port }, { node: to.node, port: edge.to.port }, registries, fromKind);
      if (!verdict.ok) {
        const portFault = verdict.code === 'unknown-port' || verdict.code === 'wrong-direction';
        const blamesSource = portFault && !Object.hasOwn(from.def!.outputs, edge.from.port);
        problems.push(
          error(portFault ? 'dangling-edge' : verdict.code, `${describe}: ${verdict.reason}`, {
            nodeId: blamesSource ? edge.from.node : edge.to.node,
            port: blamesSource ? edge.from.port : edge.to.port,
            path,
          }),
        );
        if (portFault) return;
      }
    }
    const inputKey = `${edge.to.node}\u0000${edge.to.port}`;
    const list = wiresInto.get(inputKey);
    if (list) list.push(index);
    else wiresInto.set(inputKey, [index]);
  });

  for (const indices of wiresInto.values()) {
    if (indices.length < 2) continue;
    const to = graph.edges[indices[0]].to;
    const sources = indices.map((i) => `${endpoint(graph.edges[i].from)} (edge #${i})`).join(', ');
    problems.push(
      error('input-wired-twice', `input '${to.port}' of node '${to.node}' has ${indices.length} wires, from ${sources}; an input takes one wire, so delete all but one.`, {
        nodeId: to.node,
        port: to.port,
        path: ['edges', indices[1]],
      }),
    );
  }

  for (const { node, index, def, current } of nodes.values()) {
    if (!current) continue;
    for (const [port, portDef] of Object.entries(def!.inputs as InputPorts)) {
      if (portDef.optional || wiresInto.has(`${node.id}\u0000${port}`)) continue;
      problems.push(
        error('unwired-input', `input '${port}' of ${describeNode(node, def)} needs a wire (${describeKinds(portDef.kinds)}: ${portDef.doc})`, {
          nodeId: node.id,
          port,
          path: ['nodes', index],
        }),
      );
    }
  }
}

/** Reports each strongly connected component that loops, naming one cycle through it. */
function checkCycles(graph: GraphDocument, nodes: Map<string, KnownNode>, problems: Problem[]): void {
  const successors = new Map<string, string[]>();
  for (const id of nodes.keys()) successors.set(id, []);
  for (const edge of graph.edges) {
    if (nodes.has(edge.from.node) && nodes.has(edge.to.node)) successors.get(edge.from.node)!.push(edge.to.node);
  }

  // Iterative Tarjan: graphs of thousands of nodes must not overflow the stack.
  const indexOf = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  let counter = 0;
  for (const root of nodes.keys()) {
    if (indexOf.has(root)) continue;
    const work: { id: string; next: number }[] = [{ id: root, next: 0 }];
    indexOf.set(root, counter);
    lowlink.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const out = successors.get(frame.id)!;
      if (frame.next < out.length) {
        const next = out[frame.next++];
        if (!indexOf.has(next)) {
          indexOf.set(next, counter);
          lowlink.set(next, counter++);
          stack.push(next);
          onStack.add(next);
          work.push({ id: next, next: 0 });
        } else if (onStack.has(next)) {
          lowlink.set(frame.id, Math.min(lowlink.get(frame.id)!, indexOf.get(next)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].id;
        lowlink.set(parent, Math.min(lowlink.get(parent)!, lowlink.get(frame.id)!));
      }
      if (lowlink.get(frame.id) !== indexOf.get(frame.id)) continue;
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== frame.id);
      const loops = component.length > 1 || out.includes(frame.id);
      if (loops) problems.push(cycleProblem(new Set(component), successors, nodes));
    }
  }
}

function cycleProblem(component: Set<string>, successors: Map<string, string[]>, nodes: Map<string, KnownNode>): Problem {
  // Shortest way back to the start, staying inside the component.
  const start = [...component].sort((a, b) => nodes.get(a)!.index - nodes.get(b)!.index)[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  let closing: string | undefined;
  for (let head = 0; head < queue.length && closing === undefined; head++) {
    for (const next of successors.get(queue[head])!) {
      if (!component.has(next)) continue;
      if (next === start) {
        closing = queue[head];
        break;
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, queue[head]);
        queue.push(next);
      }
    }
  }
  const cycle = [start];
  for (let at = closing!; at !== start; at = cameFrom.get(at)!) cycle.splice(1, 0, at);
  const loop = [...cycle, start].map((id) => `'${id}'`).join(' → ');
  const others = component.size > cycle.length ? ` (${component.size} nodes are caught in loops here: ${quoteList([...component])})` : '';
  return error('cycle', `nodes ${loop} form a cycle${others}; values cannot flow in a loop, so remove one of these wires.`, {
    nodeId: start,
    path: ['nodes', nodes.get(start)!.index],
  });
}

function checkModulesAndTraining(graph: GraphDocument, nodes: Map<string, KnownNode>, problems: Problem[]) {
  const moduleIds = new Map<string, number>();
  const ownerOf = new Map<string, string>();
  graph.modules.forEach((module, index) => {
    const path = ['modules', index];
    if (module.id === MAIN_MODULE) {
      problems.push(
        error('reserved-module-id', `module id '${MAIN_MODULE}' is reserved for nodes in no module; rename module #${index}.`, { path: [...path, 'id'] }),
      );
    }
    if (moduleIds.has(module.id)) {
      problems.push(error('duplicate-module-id', `modules #${moduleIds.get(module.id)} and #${index} both have id '${module.id}'; rename one.`, { path: [...path, 'id'] }));
    } else {
      moduleIds.set(module.id, index);
    }
    const listed = new Set<string>();
    module.nodes.forEach((nodeId, position) => {
      const where = { nodeId, path: [...path, 'nodes', position] };
      if (!nodes.has(nodeId)) {
        problems.push(error('module-unknown-node', `module '${module.id}' lists '${nodeId}', which is not a node in this graph; remove it from the module.${didYouMean(nodeId, nodes.keys())}`, where));
        return;
      }
      if (listed.has(nodeId)) {
        problems.push(warning('module-lists-node-twice', `module '${module.id}' lists node '${nodeId}' twice; remove one.`, where));
        return;
      }
      listed.add(nodeId);
      const owner = ownerOf.get(nodeId);
      if (owner !== undefined && owner !== module.id) {
        problems.push(error('node-in-two-modules', `node '${nodeId}' is in modules '${owner}' and '${module.id}'; weights have one owner, so remove it from one.`, where));
        return;
      }
      ownerOf.set(nodeId, module.id);
    });
  });

  const knownModules = [MAIN_MODULE, ...moduleIds.keys()];
  const optimizerIds = new Map<string, number>();
  const optimized = new Set<string>();
  let unknownModuleNamed = false;
  graph.training.optimizers.forEach((optimizer, index) => {
    const path = ['training', 'optimizers', index];
    if (optimizerIds.has(optimizer.id)) {
      problems.push(error('duplicate-optimizer-id', `optimizers #${optimizerIds.get(optimizer.id)} and #${index} both have id '${optimizer.id}'; rename one.`, { path: [...path, 'id'] }));
    } else {
      optimizerIds.set(optimizer.id, index);
    }
    optimizer.modules.forEach((moduleId, position) => {
      optimized.add(moduleId);
      if (moduleId === MAIN_MODULE || moduleIds.has(moduleId)) return;
      unknownModuleNamed = true;
      problems.push(
        error('optimizer-unknown-module', `optimizer '${optimizer.id}' updates module '${moduleId}', which does not exist (modules: ${quoteList(knownModules)}; '${MAIN_MODULE}' holds nodes in no module).${moduleSuggestion(moduleId, knownModules, graph)}`, {
          path: [...path, 'modules', position],
        }),
      );
    });
    if (optimizer.losses.length === 0) {
      problems.push(
        error('optimizer-no-loss', `optimizer '${optimizer.id}' minimises no loss; add a loss node to its losses (select the loss node and tick '${optimizer.id}' under "Minimised by").`, {
          path: [...path, 'losses'],
        }),
      );
    }
    const termIndex = new Map<string, number>();
    optimizer.losses.forEach((term, position) => {
      const where = { nodeId: term.node, path: [...path, 'losses', position, 'node'] };
      const target = nodes.get(term.node);
      if (!target) {
        problems.push(error('loss-unknown-node', `optimizer '${optimizer.id}' minimises '${term.node}', which is not a node in this graph.${didYouMean(term.node, nodes.keys())}`, where));
        return;
      }
      if (termIndex.has(term.node)) {
        problems.push(warning('duplicate-loss-term', `optimizer '${optimizer.id}' lists loss '${term.node}' twice (terms #${termIndex.get(term.node)} and #${position}); merge them into one term with the summed weight.`, where));
      }
      termIndex.set(term.node, position);
      if (!target.current) return;
      const lossOutputs = Object.entries(target.def!.outputs as OutputPorts).filter(([, out]) => out.kind === 'loss');
      if (lossOutputs.length === 0) {
        problems.push(
          error('loss-not-a-loss', `optimizer '${optimizer.id}' minimises ${describeNode(target.node, target.def)}, which has no loss output; name a loss node instead.`, where),
        );
      }
    });
  });

  graph.training.optimizers.forEach((optimizer, index) => {
    optimizer.modules.forEach((moduleId, position) => {
      const moduleIndex = moduleIds.get(moduleId);
      if (moduleIndex === undefined || graph.modules[moduleIndex].frozen !== true) return;
      problems.push(
        error('frozen-module-optimized', `optimizer '${optimizer.id}' updates module '${moduleId}', which is marked "frozen": true; take '${moduleId}' out of the optimizer's modules, or remove "frozen" if it should learn.`, {
          path: ['training', 'optimizers', index, 'modules', position],
        }),
      );
    });
  });
  return { ownerOf, optimized, moduleIds, unknownModuleNamed };
}

/**
 * A module meant by a near id ('net1' for 'net') or by the start of its
 * display name ('Gen' for module 'G', "Generator").
 */
function moduleSuggestion(name: string, knownIds: readonly string[], graph: GraphDocument): string {
  const byId = didYouMean(name, knownIds);
  if (byId) return byId;
  const lower = name.toLowerCase();
  const byName = graph.modules.find((m) => (lower.length >= 2 && m.name.toLowerCase().startsWith(lower)) || closestName(name, [m.name]) !== undefined);
  return byName ? ` Did you mean '${byName.id}' (${byName.name})?` : '';
}

/**
 * Weights that no optimizer updates keep their initial values: fine for a
 * pretrained feature network, a silent bug for a forgotten generator. A node
 * with trainable weights outside every optimized module is a warning, one per
 * module, unless the module says `"frozen": true`. Only those candidates are
 * dry-built to count their weights, so a well-formed graph costs nothing here.
 */
function checkUntrainedWeights(
  graph: GraphDocument,
  nodes: Map<string, KnownNode>,
  modules: ReturnType<typeof checkModulesAndTraining>,
  inferred: InferResult,
  registries: GraphRegistries,
  problems: Problem[],
): void {
  const { ownerOf, optimized, moduleIds, unknownModuleNamed } = modules;
  // An optimizer naming a module that does not exist already explains why weights would stay untrained.
  if (unknownModuleNamed) return;
  const untrained = new Map<string, { id: string; count: number }[]>();
  let dataset: ReturnType<typeof datasetInfoOf> | null = null;
  for (const { node, def, current } of nodes.values()) {
    // A borrower's weights are its owner's, counted there.
    if (!current || node.shareWeightsWith !== undefined) continue;
    const moduleId = ownerOf.get(node.id) ?? MAIN_MODULE;
    if (optimized.has(moduleId)) continue;
    const moduleIndex = moduleIds.get(moduleId);
    if (moduleIndex !== undefined && graph.modules[moduleIndex].frozen === true) continue;
    if (dataset === null) dataset = datasetInfoOf(graph, registries);
    const count = trainableWeightCount(def!, node, inferred.nodes[node.id], dataset);
    if (!count) continue;
    untrained.set(moduleId, [...(untrained.get(moduleId) ?? []), { id: node.id, count }]);
  }
  for (const [moduleId, list] of untrained) {
    const moduleIndex = moduleIds.get(moduleId);
    const total = list.reduce((a, n) => a + n.count, 0);
    const what = `${list.length === 1 ? 'node' : 'nodes'} ${quoteList(list.map((n) => n.id))} (${total.toLocaleString('en-US')} trainable weights)`;
    const message =
      moduleId === MAIN_MODULE
        ? `${what} ${list.length === 1 ? 'is' : 'are'} in no module, and no optimizer updates '${MAIN_MODULE}' (the nodes in no module), so ${list.length === 1 ? 'its' : 'their'} weights keep their initial values; add '${MAIN_MODULE}' to an optimizer's modules, or put ${list.length === 1 ? 'it' : 'them'} in a module marked "frozen": true if ${list.length === 1 ? 'it is' : 'they are'} meant to stay fixed.`
        : `no optimizer updates module '${moduleId}', so the weights of its ${what} keep their initial values; add '${moduleId}' to an optimizer's modules, or mark the module "frozen": true if it is meant to stay fixed.`;
    problems.push(warning('module-not-optimized', message, { nodeId: list[0].id, path: moduleIndex !== undefined ? ['modules', moduleIndex] : ['nodes', nodes.get(list[0].id)!.index] }));
  }
}

function checkDataset(graph: GraphDocument, registries: GraphRegistries, problems: Problem[]): void {
  const { type, params } = graph.dataset;
  const def = datasetDefinition(registries, type);
  if (!def) {
    const known = Object.keys(registries.datasets);
    problems.push(
      error('unknown-dataset-type', `unknown dataset type '${type}' (known: ${quoteList(known)}).${didYouMean(type, known)}`, { path: ['dataset', 'type'] }),
    );
    return;
  }
  const known = Object.keys(def.params);
  let valid = true;
  for (const [name, value] of Object.entries(params)) {
    const path = ['dataset', 'params', name];
    if (!Object.hasOwn(def.params, name)) {
      problems.push(error('unknown-dataset-param', `unknown param '${name}' on dataset '${type}' (known: ${quoteList(known, 40)}); remove it.${didYouMean(name, known)}`, { param: name, path }));
      continue;
    }
    const why = checkParam(def.params[name], value);
    if (why) {
      valid = false;
      problems.push(error('invalid-dataset-param', `dataset param '${name}' ${why}; expected ${describeParam(def.params[name])}.${enumSuggestion(def.params[name], value)}`, { param: name, path }));
    }
  }
  if (!valid) return;
  try {
    def.fields({ ...defaultParams(def.params), ...params } as Parameters<typeof def.fields>[0]);
  } catch (thrown) {
    problems.push(
      error('dataset-fields-failed', `dataset '${type}' cannot describe its samples with these params: ${thrown instanceof Error ? thrown.message : String(thrown)}`, {
        path: ['dataset', 'params'],
      }),
    );
  }
}

function checkLayout(graph: GraphDocument, nodes: Map<string, KnownNode>, problems: Problem[]): void {
  for (const nodeId of Object.keys(graph.layout.nodes)) {
    if (nodes.has(nodeId)) continue;
    problems.push(warning('layout-unknown-node', `the layout places '${nodeId}', which is not a node in this graph; the entry is ignored; delete it.`, { path: ['layout', 'nodes', nodeId] }));
  }
  const modules = new Set(graph.modules.map((m) => m.id));
  for (const moduleId of Object.keys(graph.layout.modules)) {
    if (modules.has(moduleId)) continue;
    problems.push(warning('layout-unknown-module', `the layout styles module '${moduleId}', which does not exist; the entry is ignored; delete it.`, { path: ['layout', 'modules', moduleId] }));
  }
}

/** A node that borrows another's weights must be able to: same type, same params, no chains. */
function checkSharedWeights(graph: GraphDocument, nodes: Map<string, KnownNode>, problems: Problem[]): void {
  graph.nodes.forEach((node, index) => {
    const ownerId = node.shareWeightsWith;
    if (ownerId === undefined) return;
    const path = ['nodes', index, 'shareWeightsWith'];
    const owner = nodes.get(ownerId);
    const fail = (message: string) => problems.push(error('bad-weight-sharing', message, { nodeId: node.id, path }));
    if (ownerId === node.id) return fail(`node '${node.id}' shares weights with itself; remove shareWeightsWith.`);
    if (!owner) return fail(`node '${node.id}' shares weights with '${ownerId}', which is not a node in this graph.${didYouMean(ownerId, nodes.keys())}`);
    if (owner.node.type !== node.type) {
      return fail(`node '${node.id}' (${node.type}) shares weights with '${ownerId}' (${owner.node.type}); only nodes of the same type can share weights.`);
    }
    if (owner.node.shareWeightsWith !== undefined) {
      return fail(`node '${node.id}' shares weights with '${ownerId}', which itself borrows from '${owner.node.shareWeightsWith}'; point it at '${owner.node.shareWeightsWith}' directly.`);
    }
    const differing = Object.keys({ ...owner.node.params, ...node.params }).filter(
      (k) => JSON.stringify(owner.node.params[k]) !== JSON.stringify(node.params[k]),
    );
    if (differing.length > 0) {
      fail(`node '${node.id}' shares weights with '${ownerId}' but their params differ (${differing.map((k) => `'${k}'`).join(', ')}); shared weights need identical params.`);
    }
  });
}
