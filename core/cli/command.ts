/**
 * What every `tensorweave` command shares: the command shape that main.ts's
 * table lists, the exit codes, option parsing with one-line errors, and
 * output that survives a closed pipe (`tensorweave train … | head`).
 */
import { promises as fs } from 'node:fs';
import type { NodeLibrary } from '../library';

/** Exit codes, documented in the README's "Command line" section. */
export const EXIT = {
  ok: 0,
  /** A graph, data or run folder that is wrong or cannot be read. */
  invalidInput: 1,
  /** A command line that is wrong: unknown command or option, bad value, missing or extra argument. */
  usage: 2,
  /** Training started and failed: a non-finite loss, out of memory, a crashed trainer, an internal error. */
  failed: 3,
  /** Stopped by Ctrl+C (SIGINT), 128 + 2. */
  interrupted: 130,
  /** The reader of the output went away (`| head`), 128 + SIGPIPE's 13; training stops as for Ctrl+C. */
  outputClosed: 141,
  /** Stopped by SIGTERM (a scheduler's pre-emption), 128 + 15. */
  terminated: 143,
} as const;

export interface Command {
  /** Arguments after the command name, e.g. `<file>...`. */
  usage: string;
  /** One line for `tensorweave help`. */
  summary: string;
  /** The rest of `tensorweave help <command>`: what it does, its options. */
  help: string;
  run(args: string[], app: CliApp): Promise<number>;
}

/**
 * What the entry point (bin.js) hands every command: the node library,
 * loaded on first use so `--help`, `--version` and usage errors answer
 * without loading every node and TensorFlow.js.
 */
export interface CliApp {
  library(): Promise<NodeLibrary>;
}

/** A wrong command line: reported in one line, exit 2. */
export class UsageError extends Error {}

/** Input that cannot be used (a missing or unreadable file): reported in one line, exit 1. */
export class InputError extends Error {}

export type OptionSpec = Record<string, { type: 'string' | 'boolean' }>;

export interface ParsedArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * `--name value`, `--name=value`, boolean `--flag`, `--` ends options. Values
 * may start with '-' (`--steps -5` is then refused by the number check with
 * a clear message, not by the parser with a riddle).
 */
export function parseOptions(command: string, args: readonly string[], spec: OptionSpec): ParsedArgs {
  const values: ParsedArgs['values'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '--') {
      if (arg.startsWith('-') && arg.length > 1) throw new UsageError(`${command}: unknown option '${arg}'`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const option = spec[name];
    if (!option) {
      const known = Object.keys(spec).map((k) => `--${k}`);
      throw new UsageError(`${command}: unknown option '--${name}'${known.length ? ` (options: ${known.join(', ')})` : ''}`);
    }
    if (option.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`${command}: --${name} takes no value`);
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length && !/^--[A-Za-z]/.test(args[i + 1])) value = args[++i];
    if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    if (values[name] !== undefined) throw new UsageError(`${command}: --${name} given twice`);
    values[name] = value;
  }
  return { values, positionals };
}

/** A whole number option within [min, max]; undefined when absent. */
export function wholeNumber(name: string, value: string | boolean | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new UsageError(`--${name} must be a whole number ${range}, got '${text}'`);
  }
  return n;
}

export async function readGraphFile(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${file}: no such file`);
    if (code === 'EISDIR') throw new InputError(`${file}: is a folder, not a graph file`);
    throw new InputError(`${file}: cannot read (${(error as Error).message})`);
  }
}

let outputClosed = false;
const outputClosedListeners: (() => void)[] = [];

/**
 * Writes to stdout unless its reader has gone away. Node ignores SIGPIPE, so
 * a closed pipe surfaces as an EPIPE error event; main.ts turns that into
 * `outputClosed()` instead of a stack trace.
 */
export function out(text: string): void {
  if (!outputClosed) process.stdout.write(text);
}

export function err(text: string): void {
  process.stderr.write(text);
}

export function isOutputClosed(): boolean {
  return outputClosed;
}

/** Called once when stdout's reader goes away; a long command (train) stops cleanly instead of dying. */
export function onOutputClosed(listener: () => void): () => void {
  outputClosedListeners.push(listener);
  return () => {
    const i = outputClosedListeners.indexOf(listener);
    if (i >= 0) outputClosedListeners.splice(i, 1);
  };
}

/** Returns whether anyone took care of it (otherwise main exits at once). */
export function markOutputClosed(): boolean {
  if (outputClosed) return true;
  outputClosed = true;
  for (const listener of [...outputClosedListeners]) listener();
  return outputClosedListeners.length > 0;
}
