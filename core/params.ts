/**
 * Declarative parameter specs. One spec drives three things: validation of
 * a loaded graph (with messages that name the bound that was broken), the
 * inspector form in the editor, and the JSON Schema shipped for other tools.
 */

/**
 * PyTorch's default for this param where ours differs on purpose (the
 * param's doc says why). The inspector, docs/nodes.md and `describe` show it
 * beside ours, so a PyTorch user who leaves the param out is not surprised.
 */
export interface DiffersFromPyTorch {
  torchDefault?: number | string | boolean | readonly number[];
}

export interface IntParam extends DiffersFromPyTorch {
  type: 'int';
  default: number;
  min?: number;
  max?: number;
  doc: string;
}
export interface FloatParam extends DiffersFromPyTorch {
  type: 'float';
  default: number;
  min?: number;
  max?: number;
  /** Exclusive lower bound, for rates that must be strictly positive. */
  exclusiveMin?: boolean;
  doc: string;
}
export interface BoolParam extends DiffersFromPyTorch {
  type: 'bool';
  default: boolean;
  doc: string;
}
export interface EnumParam<T extends string = string> extends DiffersFromPyTorch {
  type: 'enum';
  options: readonly T[];
  default: T;
  doc: string;
}
export interface IntListParam extends DiffersFromPyTorch {
  type: 'ints';
  default: readonly number[];
  /** Exact length when set; otherwise minLength..maxLength. */
  length?: number;
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  doc: string;
}
export interface FloatListParam extends DiffersFromPyTorch {
  type: 'floats';
  default: readonly number[];
  length?: number;
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  doc: string;
}
export interface StringParam extends DiffersFromPyTorch {
  type: 'string';
  default: string;
  /** Strings naming files may be empty until the user picks one. */
  allowEmpty?: boolean;
  pattern?: string;
  doc: string;
}

export type ParamSpec =
  | IntParam
  | FloatParam
  | BoolParam
  | EnumParam
  | IntListParam
  | FloatListParam
  | StringParam;

export type ParamSpecs = Record<string, ParamSpec>;

/** The TypeScript value type a spec describes. */
export type ParamValue<S extends ParamSpec> = S extends IntParam | FloatParam
  ? number
  : S extends BoolParam
    ? boolean
    : S extends EnumParam<infer T>
      ? T
      : S extends IntListParam | FloatListParam
        ? number[]
        : S extends StringParam
          ? string
          : never;

export type ParamValues<S extends ParamSpecs> = { [K in keyof S]: ParamValue<S[K]> };

export const p = {
  int: (o: Omit<IntParam, 'type'>): IntParam => ({ type: 'int', ...o }),
  float: (o: Omit<FloatParam, 'type'>): FloatParam => ({ type: 'float', ...o }),
  bool: (o: Omit<BoolParam, 'type'>): BoolParam => ({ type: 'bool', ...o }),
  enum: <const T extends string>(o: Omit<EnumParam<T>, 'type'>): EnumParam<T> => ({ type: 'enum', ...o }),
  ints: (o: Omit<IntListParam, 'type'>): IntListParam => ({ type: 'ints', ...o }),
  floats: (o: Omit<FloatListParam, 'type'>): FloatListParam => ({ type: 'floats', ...o }),
  string: (o: Omit<StringParam, 'type'>): StringParam => ({ type: 'string', ...o }),
};

export function defaultParams<S extends ParamSpecs>(specs: S): ParamValues<S> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    out[name] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
  }
  return out as ParamValues<S>;
}

function checkNumber(value: unknown, spec: { min?: number; max?: number }, integer: boolean, exclusiveMin = false): string | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a finite number, got ${JSON.stringify(value)}`;
  if (integer && !Number.isInteger(value)) return `must be a whole number, got ${value}`;
  if (spec.min !== undefined && (exclusiveMin ? value <= spec.min : value < spec.min)) {
    return `must be ${exclusiveMin ? '>' : '≥'} ${spec.min}, got ${value}`;
  }
  if (spec.max !== undefined && value > spec.max) return `must be ≤ ${spec.max}, got ${value}`;
  return null;
}

/**
 * Whether a param may be left out of a graph file: its default is itself a
 * valid value. A required file path (default '', empty not allowed) has no
 * usable default, so leaving it out is an error that names it.
 */
export function hasUsableDefault(spec: ParamSpec): boolean {
  return checkParam(spec, spec.default) === null;
}

/** Returns why `value` does not satisfy `spec`, or null when it does. */
export function checkParam(spec: ParamSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'int':
      return checkNumber(value, spec, true);
    case 'float':
      return checkNumber(value, spec, false, spec.exclusiveMin);
    case 'bool':
      return typeof value === 'boolean' ? null : `must be true or false, got ${JSON.stringify(value)}`;
    case 'enum':
      return typeof value === 'string' && (spec.options as readonly string[]).includes(value)
        ? null
        : `must be one of ${spec.options.map((o) => `'${o}'`).join(', ')}, got ${JSON.stringify(value)}`;
    case 'string':
      if (typeof value !== 'string') return `must be a string, got ${JSON.stringify(value)}`;
      if (!spec.allowEmpty && value.length === 0) return 'must not be empty';
      if (spec.pattern && value.length > 0 && !new RegExp(spec.pattern).test(value)) return `must match ${spec.pattern}`;
      return null;
    case 'ints':
    case 'floats': {
      if (!Array.isArray(value)) return `must be a list of numbers, got ${JSON.stringify(value)}`;
      if (spec.length !== undefined && value.length !== spec.length) return `must have exactly ${spec.length} entries, got ${value.length}`;
      if (spec.minLength !== undefined && value.length < spec.minLength) return `must have at least ${spec.minLength} entries, got ${value.length}`;
      if (spec.maxLength !== undefined && value.length > spec.maxLength) return `must have at most ${spec.maxLength} entries, got ${value.length}`;
      for (let i = 0; i < value.length; i++) {
        const why = checkNumber(value[i], spec, spec.type === 'ints');
        if (why) return `entry ${i} ${why}`;
      }
      return null;
    }
  }
}

/** "PyTorch's default is 0" when ours differs, else ''. */
export function torchDefaultNote(spec: ParamSpec): string {
  return spec.torchDefault === undefined ? '' : `PyTorch's default is ${JSON.stringify(spec.torchDefault)}`;
}

/** A human summary of a spec's range, for docs and tooltips. */
export function describeParam(spec: ParamSpec): string {
  const note = torchDefaultNote(spec);
  return note ? `${describeRange(spec)} (differs from PyTorch: ${note})` : describeRange(spec);
}

function describeRange(spec: ParamSpec): string {
  switch (spec.type) {
    case 'int':
    case 'float': {
      const lo = spec.min !== undefined ? `${spec.min} ${spec.type === 'float' && spec.exclusiveMin ? '<' : '≤'} ` : '';
      const hi = spec.max !== undefined ? ` ≤ ${spec.max}` : '';
      return `${spec.type}${lo || hi ? ` (${lo}x${hi})` : ''}, default ${spec.default}`;
    }
    case 'bool':
      return `boolean, default ${spec.default}`;
    case 'enum':
      return `one of ${spec.options.join(' | ')}, default ${spec.default}`;
    case 'ints':
    case 'floats':
      return `list of ${spec.type === 'ints' ? 'integers' : 'numbers'}, default [${spec.default.join(', ')}]`;
    case 'string':
      return `text, default '${spec.default}'`;
  }
}
