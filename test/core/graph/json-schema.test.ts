import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { graphJsonSchema, graphJsonSchemaText, paramJsonSchema } from '../../../core/graph/json-schema';
import { p } from '../../../core/params';
import { testRegistries, validGraphObject } from './fixtures';
import { library } from '../../library';

// ajv comes with eslint; the validation test runs whenever it is installed.
const ajvModule = await import('ajv').catch(() => undefined);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

const committedFile = fileURLToPath(new URL('../../../core/graph/tensorweave.graph.schema.json', import.meta.url));

describe('the committed JSON Schema', () => {
  it('is up to date with the schema and the node registry (run `npm run gen:schema` if not)', () => {
    expect(readFileSync(committedFile, 'utf8')).toBe(graphJsonSchemaText(library));
  });

  it.runIf(ajvModule)('is a schema a standard validator compiles', () => {
    const Ajv = (ajvModule as Loose).default;
    expect(() => new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(committedFile, 'utf8')))).not.toThrow();
  });
});

describe('graphJsonSchema', () => {
  const schema: Loose = graphJsonSchema(testRegistries);

  it('is draft-07 and leaves fields with defaults optional', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.required).toEqual(['format', 'version', 'nodes', 'edges', 'dataset', 'training']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('documents each node type\'s params with defaults and bounds, optional where a default exists, no extras', () => {
    const items = schema.properties.nodes.items;
    expect(items.properties.type.enum).toEqual(Object.keys(testRegistries.nodes).sort());
    const conv = items.allOf.find((branch: Loose) => branch.if.properties.type.const === 'conv2d');
    expect(conv.then.properties.typeVersion).toEqual({ maximum: 2 });
    expect(conv.then.properties.params).toEqual({
      type: 'object',
      properties: {
        filters: { type: 'integer', minimum: 1, maximum: 4096, default: 8, description: 'Output channels. (int (1 ≤ x ≤ 4096), default 8)' },
        kernel: { type: 'integer', minimum: 1, maximum: 7, default: 3, description: 'Kernel size. (int (1 ≤ x ≤ 7), default 3)' },
        padding: { type: 'string', enum: ['same', 'valid'], default: 'same', description: 'Padding mode. (one of same | valid, default same)' },
      },
      additionalProperties: false,
    });
    const tagged = items.allOf.find((branch: Loose) => branch.if.properties.type.const === 'tagged');
    expect(tagged.then.properties.params.required).toEqual(['tag']);
    const toy = schema.properties.dataset.allOf[0];
    expect(toy.if.properties.type.const).toBe('refusing');
    expect(schema.properties.dataset.allOf[1].then.properties.params.required).toBeUndefined();
  });

  it('maps every param kind', () => {
    expect(paramJsonSchema(p.float({ default: 0.1, min: 0, exclusiveMin: true, doc: 'Rate.' }))).toMatchObject({ type: 'number', exclusiveMinimum: 0 });
    expect(paramJsonSchema(p.bool({ default: true, doc: 'On.' }))).toMatchObject({ type: 'boolean', default: true });
    expect(paramJsonSchema(p.ints({ default: [1, 1], length: 2, min: 1, doc: 'Strides.' }))).toMatchObject({
      type: 'array',
      items: { type: 'integer', minimum: 1 },
      minItems: 2,
      maxItems: 2,
      default: [1, 1],
    });
    expect(paramJsonSchema(p.floats({ default: [0.5], minLength: 1, maxLength: 4, doc: 'Ratios.' }))).toMatchObject({ items: { type: 'number' }, minItems: 1, maxItems: 4 });
    expect(paramJsonSchema(p.string({ default: '', allowEmpty: true, pattern: '^[a-z]*$', doc: 'Path.' }))).toEqual({
      type: 'string',
      default: '',
      pattern: '^[a-z]*$',
      description: "Path. (text, default '')",
    });
    expect(paramJsonSchema(p.string({ default: 'x', doc: 'Name.' }))).toMatchObject({ minLength: 1 });
  });

  it.runIf(ajvModule)('accepts valid graphs and rejects bad params, unknown types and missing fields with a standard validator', () => {
    const Ajv = (ajvModule as Loose).default;
    const validate = new Ajv({ allErrors: true }).compile(schema);
    expect(validate(validGraphObject())).toBe(true);
    const minimal: Loose = validGraphObject();
    for (const key of ['name', 'description', 'modules', 'layout']) delete minimal[key];
    minimal.training = { optimizers: [{ type: 'sgd', id: 'o', modules: ['main'], losses: [{ node: 'loss', weight: 1 }], lr: 0.1 }] };
    expect(validate(minimal)).toBe(true);
    const omitted: Loose = validGraphObject();
    omitted.nodes[4].params = {};
    omitted.nodes[2].params = { filters: 4 };
    expect(validate(omitted), 'params with defaults left out').toBe(true);

    const broken: [string, (g: Loose) => void][] = [
      ['param out of range', (g) => (g.nodes[2].params.kernel = 9)],
      ['unknown param', (g) => (g.nodes[4].params.bias = true)],
      ['missing param without a default', (g) => g.nodes.push({ id: 'name', type: 'tagged', typeVersion: 1, params: { repeat: 2 } })],
      ['unknown node type', (g) => (g.nodes[0].type = 'mystery')],
      ['newer node version', (g) => (g.nodes[2].typeVersion = 3)],
      ['bad dataset param', (g) => (g.dataset.params.size = 100)],
      ['unknown optimizer', (g) => (g.training.optimizers[0].type = 'rmsprop')],
      ['missing edges', (g) => delete g.edges],
    ];
    for (const [name, change] of broken) {
      const g: Loose = validGraphObject();
      change(g);
      expect(validate(g), name).toBe(false);
    }
  });
});
