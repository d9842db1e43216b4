/**
 * A problem found in a graph file. Every check reports all problems it finds,
 * never just the first, and each names where it is and how to fix it.
 */
export interface Problem {
  severity: 'error' | 'warning';
  /** Stable machine-readable code, e.g. 'unknown-node-type', 'shape-mismatch'. */
  code: string;
  /** Says what is wrong and how to fix it, naming the node, port or param. */
  message: string;
  nodeId?: string;
  port?: string;
  param?: string;
  /** JSON path inside the document, e.g. ['nodes', 3, 'params', 'filters']. */
  path?: (string | number)[];
  /** 1-based position in the file's text, for syntax errors (the message names it too). */
  line?: number;
  column?: number;
}

export function formatProblem(p: Problem): string {
  const where = p.path && p.path.length > 0 ? `${p.path.join('.')}: ` : '';
  return `${p.severity}: ${where}${p.message}`;
}

export const hasErrors = (problems: readonly Problem[]) => problems.some((p) => p.severity === 'error');
