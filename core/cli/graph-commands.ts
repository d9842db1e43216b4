/**
 * The commands that read graphs and templates: `templates`, `new`, `validate`,
 * `info`. Loaded only when one of them runs, so `--help`, `--version` and
 * usage errors answer without loading every node and TensorFlow.js.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { templates, findTemplate } from '../../nodes/templates';
import { loadGraph } from '../graph/load';
import { serializeGraph } from '../graph/serialize';
import { formatProblem, hasErrors } from '../graph/problems';
import { formatValueType } from '../types';
import { writeFileAtomic } from '../atomic-write';
import { describeGraph, formatFlops, formatCount } from './info';
import { EXIT, InputError, UsageError, err, out, parseOptions, readGraphFile } from './command';

export async function templatesCommand(args: string[]): Promise<number> {
  const { positionals } = parseOptions('templates', args, {});
  if (positionals.length > 0) throw new UsageError(`templates: takes no arguments, got '${positionals.join("', '")}'`);
  const width = Math.max(...templates.map((t) => t.id.length));
  for (const t of templates) out(`${t.id.padEnd(width)}  ${t.title} — ${t.summary}\n`);
  return EXIT.ok;
}

export async function newCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions('new', args, { force: { type: 'boolean' } });
  if (positionals.length !== 2) throw new UsageError('new: give a template and a file: tensorweave new <template> <file.graph.json>');
  const [templateId, file] = positionals;
  const template = findTemplate(templateId);
  if (!template) throw new UsageError(`new: no template '${templateId}'; run 'tensorweave templates' to list them (${templates.map((t) => t.id).join(', ')})`);
  if (!values.force && (await fs.access(file).then(() => true, () => false))) {
    err(`${file} already exists; pass --force to overwrite it\n`);
    return EXIT.invalidInput;
  }
  await writeFileAtomic(path.resolve(file), serializeGraph(template.build()));
  out(`wrote ${file} (${template.title})\n`);
  return EXIT.ok;
}

export async function validateCommand(files: string[]): Promise<number> {
  let failed = false;
  for (const file of files) {
    let text: string;
    try {
      text = await readGraphFile(file);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      out(`${error.message}\n`);
      failed = true;
      continue;
    }
    const { graph, problems } = loadGraph(text);
    for (const p of problems) out(`${file}: ${formatProblem(p)}\n`);
    if (!graph || hasErrors(problems)) {
      failed = true;
      continue;
    }
    out(`${file}: ok — ${graph.nodes.length} nodes, ${graph.edges.length} wires${problems.length ? `, ${problems.length} warning(s)` : ''}\n`);
  }
  return failed ? EXIT.invalidInput : EXIT.ok;
}

export async function infoCommand(files: string[]): Promise<number> {
  let failed = false;
  for (const [index, file] of files.entries()) {
    if (files.length > 1) out(`${index > 0 ? '\n' : ''}== ${file} ==\n`);
    let text: string;
    try {
      text = await readGraphFile(file);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      out(`${error.message}\n`);
      failed = true;
      continue;
    }
    const { graph, problems } = loadGraph(text);
    if (!graph || hasErrors(problems)) {
      for (const p of problems) out(`${file}: ${formatProblem(p)}\n`);
      failed = true;
      continue;
    }
    printInfoTable(graph);
  }
  return failed ? EXIT.invalidInput : EXIT.ok;
}

function printInfoTable(graph: NonNullable<ReturnType<typeof loadGraph>['graph']>): void {
  const rows = describeGraph(graph);
  // Outputs go last: a dataset node lists many, and a wide middle column would pad every row.
  const header = ['node', 'type', 'module', 'params', 'FLOPs/sample', 'outputs'];
  const table = rows.map((r) => [
  r.nodeId,
  r.type,
  r.module,
  formatCount(r.parameters),
  r.flops === undefined ? '—' : formatFlops(r.flops),
  Object.entries(r.outputs)
    .map(([port, t]) => `${port}: ${formatValueType(t)}`)
    .join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  out(`${line(header)}\n${line(widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? header[i].length : w)))}\n`);
  for (const row of table) out(`${line(row)}\n`);
  const totalParams = rows.reduce((a, r) => a + r.parameters, 0);
  const totalFlops = rows.reduce((a, r) => a + (r.flops ?? 0), 0);
  out(`\n${graph.name}: ${rows.length} nodes, ${formatCount(totalParams)} parameters (${totalParams}), ${formatFlops(totalFlops)} per sample forward\n`);
}

