/**
 * The commands that read graphs and templates: `templates`, `new`, `validate`,
 * `info`. Loaded only when one of them runs, so `--help`, `--version` and
 * usage errors answer without loading every node and TensorFlow.js.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { findTemplate, type NodeLibrary } from '../library';
import { loadGraph, type LoadResult } from '../graph/load';
import { serializeGraph } from '../graph/serialize';
import { formatProblem, hasErrors } from '../graph/problems';
import { writeFileAtomic } from '../atomic-write';
import { infoText } from './info';
import { datasetOpenProblems } from './dataset-check';
import { EXIT, InputError, UsageError, err, out, parseOptions, readGraphFile } from './command';

export async function templatesCommand(args: string[], { templates }: NodeLibrary): Promise<number> {
  const { positionals } = parseOptions('templates', args, {});
  if (positionals.length > 0) throw new UsageError(`templates: takes no arguments, got '${positionals.join("', '")}'`);
  const width = Math.max(...templates.map((t) => t.id.length));
  for (const t of templates) out(`${t.id.padEnd(width)}  ${t.title} — ${t.summary}\n`);
  return EXIT.ok;
}

export async function newCommand(args: string[], library: NodeLibrary): Promise<number> {
  const { values, positionals } = parseOptions('new', args, { force: { type: 'boolean' } });
  if (positionals.length !== 2) throw new UsageError('new: give a template and a file: tensorweave new <template> <file.graph.json>');
  const [templateId, file] = positionals;
  const template = findTemplate(library, templateId);
  if (!template) throw new UsageError(`new: no template '${templateId}'; run 'tensorweave templates' to list them (${library.templates.map((t) => t.id).join(', ')})`);
  if (!values.force && (await fs.access(file).then(() => true, () => false))) {
    err(`${file} already exists; pass --force to overwrite it\n`);
    return EXIT.invalidInput;
  }
  await writeFileAtomic(path.resolve(file), serializeGraph(template.build()));
  out(`wrote ${file} (${template.title})\n`);
  return EXIT.ok;
}

export async function validateCommand(files: string[], library: NodeLibrary): Promise<number> {
  return eachGraphFile(files, library, {
    visit(file, { graph, problems }) {
      // The dataset is opened as train opens it, so a missing folder fails here, not at step 0.
      if (graph && !hasErrors(problems)) problems.push(...datasetOpenProblems(graph, library));
      for (const p of problems) out(`${file}: ${formatProblem(p)}\n`);
      if (!graph || hasErrors(problems)) return false;
      out(`${file}: ok — ${graph.nodes.length} nodes, ${graph.edges.length} wires${problems.length ? `, ${problems.length} warning(s)` : ''}\n`);
      return true;
    },
  });
}

export async function infoCommand(files: string[], library: NodeLibrary): Promise<number> {
  return eachGraphFile(files, library, {
    heading: (file, index) => files.length > 1 && out(`${index > 0 ? '\n' : ''}== ${file} ==\n`),
    visit(file, { graph, problems }) {
      if (!graph || hasErrors(problems)) {
        for (const p of problems) out(`${file}: ${formatProblem(p)}\n`);
        return false;
      }
      out(infoText(graph, problems, library, file));
      return true;
    },
  });
}

/**
 * Loads every file given, in turn, and hands each to `visit` (which says whether it passed); a file that cannot
 * be read is reported and fails without stopping the others. Exit 1 if any failed.
 */
async function eachGraphFile(
  files: string[],
  library: NodeLibrary,
  { heading, visit }: { heading?: (file: string, index: number) => void; visit: (file: string, loaded: LoadResult) => boolean },
): Promise<number> {
  let failed = false;
  for (const [index, file] of files.entries()) {
    heading?.(file, index);
    let text: string;
    try {
      text = await readGraphFile(file);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      out(`${error.message}\n`);
      failed = true;
      continue;
    }
    if (!visit(file, loadGraph(text, library))) failed = true;
  }
  return failed ? EXIT.invalidInput : EXIT.ok;
}
