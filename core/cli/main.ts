/**
 * `tensorweave`: the headless command line. The same graph file the editor
 * saves trains here, on the same engine, through the same trainer contract.
 *
 * Commands are one table: a new command is one line in COMMANDS (usage,
 * help and run live in its Command object), and `help`, `<command> --help`
 * and the usage summary follow from it. Shared pieces (exit codes, option
 * parsing, pipe-safe output) are in command.ts.
 */
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { effectiveStatus, RunFolder, RUN_ID_PATTERN } from '../train/run-folder';
import { trainCommand } from './train';
import { exportCommandSpec, exportDataCommandSpec, importWeightsCommandSpec } from './export-command-specs';
import { EXIT, InputError, UsageError, err, markOutputClosed, out, parseOptions, type CliApp, type Command } from './command';
import type { NodeLibrary } from '../library';

/** Loads the graph commands on use (see graph-commands.ts). */
const graphCommands = () => import('./graph-commands');

const templatesCommand: Command = {
  usage: '',
  summary: 'list the template graphs',
  help: 'Lists the templates `tensorweave new` can write: id, title and what each trains.',
  run: async (args, app) => (await graphCommands()).templatesCommand(args, await app.library()),
};

const newCommand: Command = {
  usage: '<template> <file.graph.json> [--force]',
  summary: 'write a template graph to a file',
  help: `Writes the template to the file, to edit or train.

Options:
  --force   overwrite the file if it exists`,
  run: async (args, app) => (await graphCommands()).newCommand(args, await app.library()),
};

const validateCommand: Command = {
  usage: '<file>...',
  summary: 'check graph files: exit 0, or 1 with every problem on its own line',
  help: `Checks every file given. Each problem is printed on its own line, prefixed with its file;
each good file gets an "ok" line. Exits 1 if any file has an error or cannot be read.`,
  run: async (args, app) => (await graphCommands()).validateCommand(filesOf('validate', args), await app.library()),
};

const infoCommand: Command = {
  usage: '<file>...',
  summary: 'per node: output shapes, parameters, FLOPs',
  help: `Prints a table per graph: each node's module, trainable parameters, FLOPs per sample
and output types, then the totals. With several files, each table is headed by its file.
Exits 1 if any file has an error or cannot be read (its problems are printed instead).`,
  run: async (args, app) => (await graphCommands()).infoCommand(filesOf('info', args), await app.library()),
};

const runsCommand: Command = {
  usage: '[runsDir]',
  summary: 'list the runs in a folder (default: runs) and how each ended',
  help: `One line per run folder: id, status, step reached of the steps asked, graph name.
Status is running, completed, stopped (Ctrl+C, SIGTERM or a closed pipe, with a final
checkpoint), failed, killed (a second Ctrl+C or SIGTERM, no final checkpoint) or crashed
(run.json still says running but its process is gone).`,
  async run(args) {
    const { positionals } = parseOptions('runs', args, {});
    if (positionals.length > 1) throw new UsageError(`runs: one folder at a time; extra argument '${positionals.slice(1).join("', '")}'`);
    const dir = positionals[0] ?? 'runs';
    const names = await fs.readdir(dir).catch(() => {
      throw new InputError(`${dir}: no such folder`);
    });
    const rows: string[][] = [];
    for (const name of names.filter((n) => RUN_ID_PATTERN.test(n)).sort()) {
      const record = await new RunFolder(path.join(dir, name)).readRecord().catch(() => undefined);
      if (!record?.status) continue;
      const status = effectiveStatus({ status: record.status, pid: record.pid, hostname: record.hostname });
      rows.push([name, status, `${record.step ?? 0}/${record.settings?.steps ?? '?'}`, record.graphName ?? '']);
    }
    if (rows.length === 0) {
      out(`no runs in ${dir}\n`);
      return EXIT.ok;
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    for (const row of rows) out(`${row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}\n`);
    return EXIT.ok;
  },
};

const describeCommand: Command = {
  usage: '[<type>...]',
  summary: "a node or dataset type's ports, params and docs (all types without a name)",
  help: `Prints each named node or dataset type's doc, ports (kinds and shapes) and params (defaults, ranges, docs);
an unknown name gets the closest known ones. Without a name, lists every type. docs/nodes.md holds the same.`,
  async run(args, app) {
    const { describeCommand: describe } = await import('./describe');
    return describe(args, await app.library());
  },
};

const helpCommand: Command = {
  usage: '[command]',
  summary: 'this overview, or the help of one command',
  help: 'Prints the overview of every command, or with a command name, that command’s help.',
  async run(args) {
    const { positionals } = parseOptions('help', args, {});
    if (positionals.length > 1) throw new UsageError('help: give one command name');
    if (positionals.length === 0) {
      out(overview());
      return EXIT.ok;
    }
    out(commandHelp(positionals[0], lookup(positionals[0])));
    return EXIT.ok;
  },
};

/** Every command. Add a line here (and a Command object, usually in its own file) for a new one. */
const COMMANDS: Record<string, Command> = {
  templates: templatesCommand,
  new: newCommand,
  validate: validateCommand,
  info: infoCommand,
  train: trainCommand,
  runs: runsCommand,
  describe: describeCommand,
  export: exportCommandSpec,
  'export-data': exportDataCommandSpec,
  'import-weights': importWeightsCommandSpec,
  help: helpCommand,
};

function lookup(name: string): Command {
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
  return command;
}

function filesOf(command: string, args: string[]): string[] {
  const { positionals } = parseOptions(command, args, {});
  if (positionals.length === 0) throw new UsageError(`${command}: give at least one graph file`);
  return positionals;
}

function overview(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => [`tensorweave ${name}${c.usage ? ` ${c.usage}` : ''}`, c.summary]);
  const width = Math.min(60, Math.max(...lines.map(([u]) => u.length)));
  return `tensorweave ${version()} — build, check and train Tensorweave graphs

Usage:
${lines.map(([u, s]) => (u.length > width ? `  ${u}\n  ${''.padEnd(width)}  ${s}` : `  ${u.padEnd(width)}  ${s}`)).join('\n')}
  tensorweave --version

'tensorweave help <command>' or 'tensorweave <command> --help' for a command's options.
Exit codes: 0 done, 1 invalid input, 2 usage, 3 training failed, 130 Ctrl+C, 141 output closed, 143 SIGTERM.
`;
}

function commandHelp(name: string, command: Command): string {
  return `Usage: tensorweave ${name}${command.usage ? ` ${command.usage}` : ''}\n\n${command.summary}.\n\n${command.help}\n`;
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

async function main(argv: string[], app: CliApp): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    out(overview());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V' || name === 'version') {
    out(`${version()}\n`);
    return EXIT.ok;
  }
  const command = lookup(name);
  if (rest.includes('--help') || rest.includes('-h')) {
    out(commandHelp(name, command));
    return EXIT.ok;
  }
  return command.run(rest, app);
}

/**
 * Runs one command and exits with its status. The entry point (bin.js) is
 * what knows the node library; it passes a loader, called on first use.
 */
export function runCli(argv: string[], loadLibrary: () => Promise<NodeLibrary>): void {
  // A closed pipe (`| head`) is not a crash: a running command (train) stops cleanly, any other ends quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!markOutputClosed()) process.exit(EXIT.outputClosed);
  });
  // With stderr gone too there is nobody left to tell; the exit code still says how it ended.
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });

  main(argv, { library: once(loadLibrary) }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        // One line: the fix is in the message, the way to the full usage after it.
        err(`tensorweave: ${error.message} (see 'tensorweave help')\n`);
        process.exit(EXIT.usage);
      }
      if (error instanceof InputError) {
        err(`tensorweave: ${error.message}\n`);
        process.exit(EXIT.invalidInput);
      }
      err(`tensorweave: internal error: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(EXIT.failed);
    },
  );
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= load());
}
