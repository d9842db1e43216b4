/**
 * Opening graph files. Whatever the input, loading never throws: it returns
 * the problems it found and, whenever the structure could be read, the graph
 * itself, so the editor can show a broken graph with its faults marked.
 *
 * Order matters: the version is read before the schema runs (an old file
 * would not pass today's schema, a newer one must be refused with "update
 * the app", not with a list of schema complaints), then document migrations,
 * the schema, node migrations, omitted params filled with their defaults, and
 * finally full validation.
 */
import { z } from 'zod';
import type { Problem } from './problems';
import type { GraphRegistries } from './registries';
import { GRAPH_FORMAT, GRAPH_VERSION, graphSchema, type GraphDocument, type GraphNode } from './schema';
import { hasUsableDefault, type ParamSpecs } from '../params';
import { documentMigrations, migrateDocument, migrateNode, type DocumentMigration } from './migrations';
import { checkGraph } from './validate';
import type { InferResult } from './infer';
import { didYouMean, nodeDefinition, quoteList } from './lookup';
import { isPlainObject, knownKeysAt, schemaAt } from './zod-walk';

export interface LoadResult {
  /** The graph, migrated and with defaults filled; undefined only when nothing usable could be read. */
  graph?: GraphDocument;
  /** Everything wrong, errors and warnings together. */
  problems: Problem[];
  /** The shape inference validation ran on `graph`, for the compiler to reuse (CompileOptions.checked). */
  inferred?: InferResult;
}

export interface LoadOptions {
  /** Document migrations to apply; tests pass their own. */
  migrations?: readonly DocumentMigration[];
}

export function loadGraph(text: string, registries: GraphRegistries, options: LoadOptions = {}): LoadResult {
  try {
    if (typeof text !== 'string') return fail('not-an-object', `expected the text of a graph file, got ${typeof text}.`);
    const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    if (body.trim().length === 0) {
      return fail('invalid-json', 'the file is empty; a graph file is a JSON object starting with {"format": "tensorweave.graph", …}.');
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (thrown) {
      return { problems: [jsonSyntaxProblem(body, thrown)] };
    }
    return parseGraphObject(parsed, registries, options);
  } catch (thrown) {
    return internalFailure(thrown);
  }
}

export function parseGraphObject(obj: unknown, registries: GraphRegistries, options: LoadOptions = {}): LoadResult {
  try {
    return parseUnsafe(obj, registries, options.migrations ?? documentMigrations);
  } catch (thrown) {
    return internalFailure(thrown);
  }
}

function parseUnsafe(obj: unknown, registries: GraphRegistries, migrations: readonly DocumentMigration[]): LoadResult {
  if (!isPlainObject(obj)) {
    const got = obj === null ? 'null' : Array.isArray(obj) ? 'an array' : typeof obj;
    return fail('not-an-object', `a graph file holds one JSON object ({"format": "${GRAPH_FORMAT}", "version": ${GRAPH_VERSION}, …}), but this one holds ${got}.`);
  }
  let doc: Record<string, unknown>;
  try {
    doc = structuredClone(obj);
  } catch {
    return fail('invalid-structure', 'the graph holds values that are not JSON data (functions or symbols); build it from plain objects, arrays, strings, numbers and booleans.');
  }

  if (doc.format !== GRAPH_FORMAT) {
    const found = doc.format === undefined ? 'it has no "format" field' : `its "format" is ${JSON.stringify(doc.format)}`;
    return fail('wrong-format', `this is not a Tensorweave graph file: ${found}, expected "format": "${GRAPH_FORMAT}".`, ['format']);
  }

  const version = doc.version;
  if (version === undefined) {
    return fail('missing-version', `the file has no "version"; graph files of this app have "version": ${GRAPH_VERSION}.`, ['version']);
  }
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 0) {
    const hint = typeof version === 'string' && /^\d+$/.test(version) ? ` (write it as a number: "version": ${version})` : '';
    return fail('invalid-version', `"version" must be a whole number, got ${JSON.stringify(version)}${hint}.`, ['version']);
  }
  if (version > GRAPH_VERSION) {
    return fail('future-version', `this graph was saved by a newer Tensorweave (file format version ${version}; this app reads up to version ${GRAPH_VERSION}). Update the app to open it.`, ['version']);
  }
  const problems: Problem[] = [];
  if (version < GRAPH_VERSION) {
    const migrated = migrateDocument(doc, version, migrations);
    if (!migrated.ok) return { problems: [migrated.problem] };
    doc = migrated.doc;
  }

  const droppedNodes = new Set<string>();
  const structured = parseStructure(doc, problems, droppedNodes);
  if (!structured) return { problems };
  const { parsed, orphanedInputs } = detachDropped(structured, droppedNodes);

  const failedMigrations = new Set<string>();
  const nodes = parsed.nodes.map((node, index) => {
    const def = nodeDefinition(registries, node.type);
    // Unknown types and newer versions are validateGraph's to report.
    if (!def || node.typeVersion >= def.version) return node;
    const result = migrateNode(node, def, ['nodes', index]);
    if (result.ok) return result.node;
    failedMigrations.add(node.id);
    problems.push(result.problem);
    return node;
  });
  const graph: GraphDocument = { ...parsed, nodes: nodes.map((node) => withOmittedParams(node, registries)) };

  const check = checkGraph(graph, registries);
  for (const problem of check.problems) {
    if (problem.code === 'node-version-outdated' && problem.nodeId !== undefined && failedMigrations.has(problem.nodeId)) continue;
    // The left-out node's own problem already explains these.
    if (problem.code === 'unwired-input' && orphanedInputs.has(`${problem.nodeId}\u0000${problem.port}`)) continue;
    if (problem.code === 'loss-unknown-node' && problem.nodeId !== undefined && droppedNodes.has(problem.nodeId)) continue;
    problems.push(problem);
  }
  return { graph, problems, inferred: check.inferred };
}

/**
 * Fills the params a hand-written file left out with their defaults, so a
 * file need only say what differs. Saving writes every param, so saved files
 * stay explicit and byte-stable. Only nodes at the app's version are filled
 * (an old node's omitted params meant that version's defaults; its migration
 * runs first), and params without a usable default stay missing for
 * validateGraph to name.
 */
function withOmittedParams(node: GraphNode, registries: GraphRegistries): GraphNode {
  const def = nodeDefinition(registries, node.type);
  if (!def || node.typeVersion !== def.version) return node;
  let params: Record<string, unknown> | undefined;
  for (const [name, spec] of Object.entries(def.params as ParamSpecs)) {
    if (Object.hasOwn(node.params, name) || !hasUsableDefault(spec)) continue;
    params ??= { ...node.params };
    params[name] = structuredClone(spec.default);
  }
  return params ? { ...node, params } : node;
}

/**
 * Runs the schema. When it fails, tries to keep the rest of the graph: a
 * bad optional value falls back to its default, an unknown key is dropped,
 * a broken list item (node, wire, layout entry) is left out. Each repair is
 * named in its problem. When nothing can be repaired, returns undefined.
 */
function parseStructure(doc: Record<string, unknown>, problems: Problem[], droppedNodes: Set<string>): GraphDocument | undefined {
  let candidate = doc;
  const reported = new Set<string>();
  for (let round = 0; round < 4; round++) {
    const result = graphSchema.safeParse(candidate);
    if (result.success) return result.data;
    const repaired = structuredClone(candidate);
    const drops = new Map<unknown[], Set<number>>();
    let repairable = true;
    for (const issue of result.error.issues) {
      const repair = planRepair(repaired, issue, drops);
      if (!repair) repairable = false;
      const problem = structureProblem(candidate, issue, repair);
      const key = `${problem.path?.join('.')}\u0000${problem.message}`;
      if (!reported.has(key)) problems.push(problem);
      reported.add(key);
    }
    if (!repairable || round === 3) return undefined;
    for (const [list, indices] of drops) {
      for (const index of [...indices].sort((a, b) => b - a)) {
        const [removed] = list.splice(index, 1);
        if (list === repaired.nodes && isPlainObject(removed) && typeof removed.id === 'string') droppedNodes.add(removed.id);
      }
    }
    candidate = repaired;
  }
  return undefined;
}

/**
 * Takes the wires, module entries and layout of left-out nodes away with
 * them, so one broken node yields one problem rather than one per wire.
 * Returns the inputs that lost their wire.
 */
function detachDropped(graph: GraphDocument, dropped: Set<string>): { parsed: GraphDocument; orphanedInputs: Set<string> } {
  const orphanedInputs = new Set<string>();
  // A surviving node may share the id of a dropped one; its references stay.
  for (const node of graph.nodes) dropped.delete(node.id);
  if (dropped.size === 0) return { parsed: graph, orphanedInputs };
  const edges = graph.edges.filter((edge) => {
    if (dropped.has(edge.to.node)) return false;
    if (!dropped.has(edge.from.node)) return true;
    orphanedInputs.add(`${edge.to.node}\u0000${edge.to.port}`);
    return false;
  });
  const modules = graph.modules.map((module) => ({ ...module, nodes: module.nodes.filter((id) => !dropped.has(id)) }));
  const layoutNodes = Object.fromEntries(Object.entries(graph.layout.nodes).filter(([id]) => !dropped.has(id)));
  return { parsed: { ...graph, edges, modules, layout: { ...graph.layout, nodes: layoutNodes } }, orphanedInputs };
}

type Issue = z.core.$ZodIssue;

/** Applies (or, for list items, schedules) one repair on `doc`; returns what was done, or undefined. */
function planRepair(doc: Record<string, unknown>, issue: Issue, drops: Map<unknown[], Set<number>>): string | undefined {
  const path = issue.path as PropertyKey[];
  if (issue.code === 'unrecognized_keys') {
    const target = valueAt(doc, path);
    if (!isPlainObject(target)) return undefined;
    for (const key of issue.keys) delete target[key];
    return 'removed';
  }
  for (let length = path.length; length > 0; length--) {
    const prefix = path.slice(0, length);
    const key = prefix[length - 1];
    const parent = valueAt(doc, prefix.slice(0, -1));
    const slot = schemaAt(graphSchema, doc, prefix);
    if (isPlainObject(parent) && typeof key === 'string') {
      if (slot?.omittable) {
        delete parent[key];
        return `the default is used until this is fixed`;
      }
      const parentSlot = length > 1 ? schemaAt(graphSchema, doc, prefix.slice(0, -1)) : undefined;
      if (parentSlot && isRecordSchema(parentSlot.schema)) {
        delete parent[key];
        return `entry '${key}' is left out until this is fixed`;
      }
    }
    // Only whole nodes, wires and modules are left out: dropping an optimizer or a
    // loss term would silently change what trains.
    if (length === 2 && DROPPABLE_LISTS.has(String(path[0])) && Array.isArray(parent) && typeof key === 'number' && key < parent.length) {
      const pending = drops.get(parent) ?? new Set<number>();
      pending.add(key);
      drops.set(parent, pending);
      return `${formatPath(prefix)} is left out${path[0] === 'nodes' ? ', with its wires,' : ''} until this is fixed`;
    }
  }
  return undefined;
}

const DROPPABLE_LISTS = new Set(['nodes', 'edges', 'modules']);

function isRecordSchema(schema: z.ZodType): boolean {
  let inner: z.ZodType = schema;
  while (inner instanceof z.ZodDefault || inner instanceof z.ZodOptional) inner = inner.unwrap() as z.ZodType;
  return inner instanceof z.ZodRecord;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (!isPlainObject(value) && !Array.isArray(value)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key as string];
  }
  return value;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) out += typeof key === 'number' ? `[${key}]` : out ? `.${String(key)}` : String(key);
  return out || 'the document';
}

function structureProblem(doc: Record<string, unknown>, issue: Issue, repair: string | undefined): Problem {
  const path = issue.path as (string | number)[];
  const key = path[path.length - 1];
  const suffix = repair && repair !== 'removed' ? `; ${repair}` : '';
  let what: string;
  let hint = '';
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(graphSchema, doc, path);
    what = `unknown key${issue.keys.length > 1 ? 's' : ''} ${quoteList(issue.keys)}; remove ${issue.keys.length > 1 ? 'them' : 'it'} (known keys: ${quoteList(known, 20)})`;
    hint = issue.keys.map((k) => didYouMean(k, known)).join('');
  } else if (issue.code === 'invalid_type' && path.length > 0 && valueAt(doc, path) === undefined) {
    what = `'${String(key)}' is missing (expected ${issue.expected})`;
  } else {
    what = issue.message;
  }
  const options = allowedValues(issue);
  if (options) hint = didYouMean(String(valueAt(doc, path)), options);
  const optimizerMessage = path[0] === 'training' && path[1] === 'optimizers' && typeof path[2] === 'number' ? optimizerProblem(doc, issue, path, options) : undefined;
  const problem: Problem = {
    severity: 'error',
    code: 'invalid-structure',
    message: optimizerMessage ? `${optimizerMessage}${suffix}.${hint}` : `${formatPath(path)}: ${what}${suffix}.${hint}`,
    path,
  };
  if (path[0] === 'nodes' && typeof path[1] === 'number') {
    const node = valueAt(doc, path.slice(0, 2));
    if (isPlainObject(node) && typeof node.id === 'string') problem.nodeId = node.id;
    if (path[2] === 'params' && typeof path[3] === 'string') problem.param = path[3];
  }
  return problem;
}

/** The values an enum or a discriminated union allows, when the issue is about one. */
function allowedValues(issue: Issue): string[] | undefined {
  if (issue.code === 'invalid_value') return issue.values.map(String);
  if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options)) return issue.options.map(String);
  return undefined;
}

/** Optimizer fields in words, for messages a person reads. */
const OPTIMIZER_FIELDS: Record<string, string> = {
  type: 'type',
  id: 'id',
  modules: 'modules',
  losses: 'losses',
  lr: 'learning rate',
  weightDecay: 'weight decay',
  schedule: 'schedule',
  warmup: 'warmup',
  betas: 'betas',
  eps: 'eps',
  momentum: 'momentum',
  nesterov: 'nesterov',
  stepSize: 'step size',
  gamma: 'gamma',
  constantSteps: 'constant steps',
  decaySteps: 'decay steps',
  steps: 'steps',
  startFactor: 'start factor',
  weight: 'weight',
  node: 'node',
};

/**
 * "optimizer 'adam' has learning rate -0.05; it must be > 0" rather than
 * "training.optimizers[0].lr: Too small": the optimizer by its id (or its
 * position when the id itself is broken) and the field in words.
 */
function optimizerProblem(doc: Record<string, unknown>, issue: Issue, path: (string | number)[], options: string[] | undefined): string | undefined {
  const optimizer = valueAt(doc, path.slice(0, 3));
  const id = isPlainObject(optimizer) && typeof optimizer.id === 'string' && optimizer.id ? optimizer.id : undefined;
  const who = id !== undefined ? `optimizer '${id}'` : `optimizer #${path[2]} (training.optimizers[${path[2]}])`;
  const rest = path.slice(3);
  const field = rest
    .map((part, i) => (typeof part === 'number' ? (rest[i - 1] === 'betas' ? `[${part}]` : `#${part}`) : (OPTIMIZER_FIELDS[part] ?? part)))
    .join(' ')
    .replace(/ \[/g, '[');
  const value = valueAt(doc, path);
  const shown = JSON.stringify(value);
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const bound = small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum;
      if (Array.isArray(value)) return `${who} has ${value.length} ${field}; it needs ${small ? 'at least' : 'at most'} ${bound}`;
      const relation = small ? (issue.inclusive ? '≥' : '>') : issue.inclusive ? '≤' : '<';
      return `${who} has ${field} ${shown}; it must be ${relation} ${bound}`;
    }
    case 'invalid_type':
      if (value === undefined) return `${who} has no ${field} ('${String(path[path.length - 1])}'); add it (${issue.expected})`;
      return `${who} has ${field} ${shown}; it must be ${issue.expected === 'number' ? 'a number' : `of type ${issue.expected}`}`;
    case 'not_multiple_of':
      return `${who} has ${field} ${shown}; it must be a whole number`;
    case 'unrecognized_keys': {
      const known = knownKeysAt(graphSchema, doc, path);
      const where = rest.length > 0 ? ` in its ${field}` : '';
      return `${who} has unknown key${issue.keys.length > 1 ? 's' : ''} ${quoteList(issue.keys)}${where}; remove ${issue.keys.length > 1 ? 'them' : 'it'} (known keys: ${quoteList(known, 20)})`;
    }
    default:
      if (options) return `${who} has ${field} ${shown}; it must be one of ${quoteList(options)}`;
      return undefined;
  }
}

function fail(code: string, message: string, path?: (string | number)[]): LoadResult {
  return { problems: [{ severity: 'error', code, message, ...(path ? { path } : {}) }] };
}

function internalFailure(thrown: unknown): LoadResult {
  const reason = thrown instanceof Error ? thrown.message : String(thrown);
  return fail('internal-error', `the graph could not be read because of a bug in Tensorweave (${reason}); please report it with the file.`);
}

class JsonSyntax extends Error {
  constructor(
    readonly offset: number,
    readonly why: string,
  ) {
    super(why);
  }
}

/**
 * Finds where and why `text` is not JSON. JSON.parse's own messages differ
 * between engines (Node, Chromium) and do not always give a position, so the
 * first fault is located here, once parsing has already failed.
 */
function jsonSyntaxProblem(text: string, thrown: unknown): Problem {
  let offset: number | undefined;
  let why: string;
  try {
    scanJson(text);
    why = thrown instanceof Error ? thrown.message : String(thrown);
  } catch (fault) {
    if (fault instanceof JsonSyntax) {
      offset = fault.offset;
      why = fault.why;
    } else {
      why = thrown instanceof Error ? thrown.message : String(thrown);
    }
  }
  if (offset === undefined) return { severity: 'error', code: 'invalid-json', message: `the file is not valid JSON: ${why}.` };
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = offset - lineStart + 1;
  return { severity: 'error', code: 'invalid-json', message: `the file is not valid JSON at line ${line}, column ${column}: ${why}.`, line, column };
}

const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function scanJson(text: string): void {
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = (at: number) => {
    if (at >= text.length) return 'the file ends too early';
    const c = text[at];
    if (c === "'") return "found ', but JSON strings use double quotes";
    return `unexpected ${JSON.stringify(c)}`;
  };
  const scanString = () => {
    i++;
    for (;;) {
      if (i >= text.length) throw new JsonSyntax(i, 'a string is not closed with "');
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) throw new JsonSyntax(i, 'a string holds a raw control character or line break; write it as \\n or \\t');
      if (c === 92) {
        const escape = text[i + 1];
        if (escape === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new JsonSyntax(i, '\\u must be followed by 4 hex digits');
          i += 6;
        } else if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          i += 2;
        } else {
          throw new JsonSyntax(i, `invalid escape \\${escape ?? ''} in a string`);
        }
        continue;
      }
      i++;
    }
  };
  const scanValue = (depth: number) => {
    if (depth > MAX_DEPTH) throw new Error('nested too deeply to locate the fault');
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skipSpace();
      if (text[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (close === '}') {
          skipSpace();
          if (text[i] !== '"') {
            throw new JsonSyntax(i, text[i] === '}' ? 'a comma before } (trailing commas are not allowed)' : `expected a property name in double quotes, ${describe(i)}`);
          }
          scanString();
          skipSpace();
          if (text[i] !== ':') throw new JsonSyntax(i, `expected ':' after the property name, ${describe(i)}`);
          i++;
        } else {
          skipSpace();
          if (text[i] === ']') throw new JsonSyntax(i, 'a comma before ] (trailing commas are not allowed)');
        }
        scanValue(depth + 1);
        skipSpace();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === close) {
          i++;
          return;
        }
        throw new JsonSyntax(i, `expected ',' or '${close}', ${describe(i)}`);
      }
    }
    if (c === '"') return scanString();
    for (const literal of ['true', 'false', 'null']) {
      if (text.startsWith(literal, i)) {
        i += literal.length;
        return;
      }
    }
    NUMBER.lastIndex = i;
    if (NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return;
    }
    throw new JsonSyntax(i, `expected a value, ${describe(i)}`);
  };
  scanValue(0);
  skipSpace();
  if (i < text.length) throw new JsonSyntax(i, `unexpected text after the end of the JSON value, ${describe(i)}`);
}
