/**
 * Walks the graph's zod schema alongside a value, so that key order on save
 * and the "replace by default" repair on load follow the schema itself and
 * never drift from it when a field is added.
 */
import { z } from 'zod';

type AnySchema = z.ZodType;

/** Strips wrappers that do not change the value's shape. */
function unwrap(schema: AnySchema): AnySchema {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current.unwrap() as AnySchema;
    } else {
      return current;
    }
  }
}

/** The object schema a discriminated union picks for `value`, if any. */
function unionBranch(schema: z.ZodDiscriminatedUnion, value: unknown): AnySchema | undefined {
  if (!isPlainObject(value)) return undefined;
  const discriminator = (schema._zod.def as { discriminator: string }).discriminator;
  for (const option of schema.options as AnySchema[]) {
    const inner = unwrap(option);
    if (!(inner instanceof z.ZodObject)) continue;
    const tag = unwrap(inner.shape[discriminator] as AnySchema);
    if (tag instanceof z.ZodLiteral && tag.values.has(value[discriminator] as never)) return inner;
  }
  return undefined;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Code-unit order: the same on every machine and locale. */
const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Objects with keys sorted at every level; arrays keep their order. */
export function sortedDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedDeep);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort(byCodeUnit)) {
    if (value[key] !== undefined) define(out, key, sortedDeep(value[key]));
  }
  return out;
}

/** Assignment that treats '__proto__' as an ordinary key. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * A copy of `value` whose object keys follow the schema's declaration order
 * (unknown keys after them, sorted) and whose records are sorted by key.
 */
export function canonicalize(value: unknown, schema: AnySchema): unknown {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject && isPlainObject(value)) {
    const shape = inner.shape as Record<string, AnySchema>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(shape)) {
      if (Object.hasOwn(value, key) && value[key] !== undefined) define(out, key, canonicalize(value[key], shape[key]));
    }
    for (const key of Object.keys(value).sort(byCodeUnit)) {
      if (!Object.hasOwn(shape, key) && value[key] !== undefined) define(out, key, sortedDeep(value[key]));
    }
    return out;
  }
  if (inner instanceof z.ZodRecord && isPlainObject(value)) {
    const valueSchema = inner._zod.def.valueType as AnySchema;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort(byCodeUnit)) {
      if (value[key] !== undefined) define(out, key, canonicalize(value[key], valueSchema));
    }
    return out;
  }
  if (inner instanceof z.ZodArray && Array.isArray(value)) {
    return value.map((item) => canonicalize(item, inner.element as AnySchema));
  }
  if (inner instanceof z.ZodTuple && Array.isArray(value)) {
    const items = inner._zod.def.items as AnySchema[];
    return value.map((item, i) => (i < items.length ? canonicalize(item, items[i]) : sortedDeep(item)));
  }
  if (inner instanceof z.ZodDiscriminatedUnion) {
    const branch = unionBranch(inner, value);
    return branch ? canonicalize(value, branch) : sortedDeep(value);
  }
  return sortedDeep(value);
}

/** What the schema says about the value at `path` inside `root`. */
export interface SchemaSlot {
  schema: AnySchema;
  /** True when leaving the value out is allowed (it has a default or is optional). */
  omittable: boolean;
}

export function schemaAt(root: AnySchema, rootValue: unknown, path: readonly PropertyKey[]): SchemaSlot | undefined {
  let schema = root;
  let value = rootValue;
  let omittable = false;
  for (const key of path) {
    let inner = unwrap(schema);
    if (inner instanceof z.ZodDiscriminatedUnion) {
      const branch = unionBranch(inner, value);
      if (!branch) return undefined;
      inner = branch;
    }
    let next: AnySchema | undefined;
    if (inner instanceof z.ZodObject && typeof key === 'string') next = (inner.shape as Record<string, AnySchema>)[key];
    else if (inner instanceof z.ZodRecord && typeof key === 'string') next = inner._zod.def.valueType as AnySchema;
    else if (inner instanceof z.ZodArray && typeof key === 'number') next = inner.element as AnySchema;
    else if (inner instanceof z.ZodTuple && typeof key === 'number') next = (inner._zod.def.items as AnySchema[])[key];
    if (!next) return undefined;
    schema = next;
    omittable = next instanceof z.ZodDefault || next instanceof z.ZodOptional;
    value = isPlainObject(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key as string] : undefined;
  }
  return { schema, omittable };
}

/** Keys an object schema at `path` declares, for "known keys" hints. */
export function knownKeysAt(root: AnySchema, rootValue: unknown, path: readonly PropertyKey[]): string[] {
  const slot = path.length === 0 ? { schema: root } : schemaAt(root, rootValue, path);
  if (!slot) return [];
  let inner = unwrap(slot.schema);
  if (inner instanceof z.ZodDiscriminatedUnion) {
    let value: unknown = rootValue;
    for (const key of path) value = isPlainObject(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[key as string] : undefined;
    inner = unionBranch(inner, value) ?? inner;
  }
  return inner instanceof z.ZodObject ? Object.keys(inner.shape) : [];
}
