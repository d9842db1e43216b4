/**
 * Python literals and names for the generated PyTorch code.
 */

/** A JavaScript value as a Python literal: True/False, None, lists, repr-like strings. */
export function py(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return Number.isNaN(value) ? "float('nan')" : value > 0 ? "float('inf')" : "-float('inf')";
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(py).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`)
      .join(', ')}}`;
  }
  throw new Error(`cannot write ${typeof value} as a Python literal`);
}

const KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield batch self model torch nn F losses shared'.split(
    ' ',
  ),
);

/**
 * A graph id as a Python identifier: characters outside [A-Za-z0-9_] become
 * '_', and names that clash with keywords or the generated code's own names
 * get a trailing '_'. Callers check that distinct ids stay distinct.
 */
export function pyName(id: string): string {
  let name = id.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(name)) name = `_${name}`;
  return KEYWORDS.has(name) ? `${name}_` : name;
}

/** Channel-first axis of one of our (channels-last) axes for a tensor of `rank`: NHWC's 3 is NCHW's 1. */
export function torchAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (rank !== 4) return a;
  return [0, 2, 3, 1][a];
}
