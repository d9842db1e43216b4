/**
 * The JSON Schema of graph files, for editors and tools outside the app
 * (VS Code completion, CI checks). Structure comes from the zod schema;
 * each node type's and dataset type's params are added from the registries,
 * so the schema documents every param with its default and range.
 *
 * Draft-07, the draft most tools understand. It checks what a schema can:
 * wires, shapes and cycles still need `tensorweave validate`.
 */
import { z } from 'zod';
import { describeParam, hasUsableDefault, type ParamSpec, type ParamSpecs } from '../params';
import type { GraphRegistries } from './registries';
import { graphSchema } from './schema';

type JsonSchema = Record<string, unknown>;

export function paramJsonSchema(spec: ParamSpec): JsonSchema {
  const description = `${spec.doc} (${describeParam(spec)})`;
  switch (spec.type) {
    case 'int':
    case 'float': {
      const out: JsonSchema = { type: spec.type === 'int' ? 'integer' : 'number', description, default: spec.default };
      if (spec.min !== undefined) {
        if (spec.type === 'float' && spec.exclusiveMin) out.exclusiveMinimum = spec.min;
        else out.minimum = spec.min;
      }
      if (spec.max !== undefined) out.maximum = spec.max;
      return out;
    }
    case 'bool':
      return { type: 'boolean', description, default: spec.default };
    case 'enum':
      return { type: 'string', enum: [...spec.options], description, default: spec.default };
    case 'ints':
    case 'floats': {
      const items: JsonSchema = { type: spec.type === 'ints' ? 'integer' : 'number' };
      if (spec.min !== undefined) items.minimum = spec.min;
      if (spec.max !== undefined) items.maximum = spec.max;
      const out: JsonSchema = { type: 'array', items, description, default: [...spec.default] };
      if (spec.length !== undefined) {
        out.minItems = spec.length;
        out.maxItems = spec.length;
      }
      if (spec.minLength !== undefined) out.minItems = spec.minLength;
      if (spec.maxLength !== undefined) out.maxItems = spec.maxLength;
      return out;
    }
    case 'string': {
      const out: JsonSchema = { type: 'string', description, default: spec.default };
      if (!spec.allowEmpty) out.minLength = 1;
      if (spec.pattern) out.pattern = spec.pattern;
      return out;
    }
  }
}

/** Params with a usable default may be left out (the loader fills them); the others are required. */
function paramsObjectSchema(specs: ParamSpecs): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const [name, spec] of Object.entries(specs)) properties[name] = paramJsonSchema(spec);
  const required = Object.keys(specs).filter((name) => !hasUsableDefault(specs[name]));
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

const whenType = (type: string, then: JsonSchema): JsonSchema => ({
  if: { properties: { type: { const: type } }, required: ['type'] },
  then,
});

export function graphJsonSchema(registries: GraphRegistries): JsonSchema {
  const schema = z.toJSONSchema(graphSchema, { target: 'draft-7', io: 'input' }) as JsonSchema;
  const properties = schema.properties as Record<string, JsonSchema>;

  const nodeItems = (properties.nodes as { items: JsonSchema }).items;
  const nodeTypes = Object.keys(registries.nodes).sort();
  if (nodeTypes.length > 0) {
    const nodeProperties = nodeItems.properties as Record<string, JsonSchema>;
    nodeProperties.type = { ...nodeProperties.type, enum: nodeTypes };
    nodeItems.allOf = nodeTypes.map((type) => {
      const def = registries.nodes[type];
      return whenType(type, {
        description: `${def.title}: ${def.doc}`,
        properties: {
          // Older versions are upgraded on load; newer ones need a newer app.
          typeVersion: { maximum: def.version },
          params: paramsObjectSchema(def.params),
        },
      });
    });
  }

  const datasetTypes = Object.keys(registries.datasets).sort();
  if (datasetTypes.length > 0) {
    const dataset = properties.dataset;
    const datasetProperties = dataset.properties as Record<string, JsonSchema>;
    datasetProperties.type = { ...datasetProperties.type, enum: datasetTypes };
    dataset.allOf = datasetTypes.map((type) => {
      const def = registries.datasets[type];
      return whenType(type, { description: `${def.title}: ${def.doc}`, properties: { params: paramsObjectSchema(def.params) } });
    });
  }

  return { ...schema, title: 'Tensorweave graph', description: graphSchema.description };
}

/** The generated file's text, exactly as committed. */
export function graphJsonSchemaText(registries: GraphRegistries): string {
  return `${JSON.stringify(graphJsonSchema(registries), null, 2)}\n`;
}
