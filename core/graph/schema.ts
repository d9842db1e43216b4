/**
 * The graph file, version 1. What executes (nodes, edges, modules, dataset,
 * training) is kept apart from `layout`, which the editor owns and which
 * never changes what trains (the graph hash ignores it).
 *
 * The zod schema checks structure only; what needs the node registry
 * (known types, params, wires, shapes) is checked in validate.ts so that every
 * problem can be reported at once with its node and port.
 */
import { z } from 'zod';

export const GRAPH_FORMAT = 'tensorweave.graph';
export const GRAPH_VERSION = 1;

const id = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'ids start with a letter or _ and use letters, digits, _ . -')
  .describe('Stable identifier, unique within its list.');

export const nodeSchema = z
  .object({
    id,
    type: z.string().min(1).describe('Node type from the registry, e.g. "conv2d". Never renamed once shipped.'),
    typeVersion: z.number().int().min(1).describe('Version of the node type this node was saved with; older ones are migrated on load.'),
    params: z.record(z.string(), z.unknown()).describe('Parameter values; see each node type\'s documentation.'),
    label: z.string().max(200).optional().describe('Optional display name shown on the canvas.'),
    shareWeightsWith: z
      .string()
      .optional()
      .describe(
        'Id of another node of the same type and params whose weights this node uses instead of its own: one discriminator applied to real and fake images, one generator applied twice in a cycle. The weights belong to that node\'s module.',
      ),
  })
  .strict()
  .describe('One operation in the graph.');

export const endpointSchema = z
  .object({
    node: z.string().describe('Node id.'),
    port: z.string().describe('Port name on that node.'),
  })
  .strict();

export const edgeSchema = z
  .object({
    from: endpointSchema.describe('Output port the value comes from.'),
    to: endpointSchema.describe('Input port it feeds; each input takes at most one wire.'),
  })
  .strict()
  .describe('A wire from an output port to an input port.');

export const moduleSchema = z
  .object({
    id,
    name: z.string().min(1).max(200).describe('Display name, e.g. "Generator".'),
    nodes: z.array(z.string()).describe('Ids of the nodes whose weights this module owns.'),
    doc: z.string().optional(),
    init: z
      .enum(['default', 'normal0.02'])
      .optional()
      .describe('Weight initialisation: the node types\' PyTorch defaults, or N(0, 0.02) with batch-norm gamma N(1, 0.02) and biases 0 as in pix2pix/CycleGAN (instance-norm gamma stays 1, as there).'),
    frozen: z
      .boolean()
      .optional()
      .describe(
        'True when no optimizer is meant to update this module (a pretrained feature network, a fixed teacher): its weights keep their values without the warning a forgotten module gets, and an optimizer listing it is an error.',
      ),
  })
  .strict()
  .describe('A named group of nodes that owns parameters; optimizers refer to modules. Nodes in no module belong to the implicit module "main".');

export const scheduleSchema = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('constant') }).strict(),
    z
      .object({
        type: z.literal('step'),
        stepSize: z.number().int().min(1).describe('Multiply the rate by gamma every stepSize steps.'),
        gamma: z.number().positive().max(1),
      })
      .strict(),
    z
      .object({
        type: z.literal('linear'),
        constantSteps: z.number().int().min(0).describe('Steps at the initial rate before the decay starts.'),
        decaySteps: z.number().int().min(1).describe('Steps over which the rate falls linearly to 0 (pix2pix\'s "lambda" rule).'),
      })
      .strict(),
  ])
  .describe('Learning-rate schedule.');

export const warmupSchema = z
  .object({
    steps: z.number().int().min(1),
    startFactor: z.number().min(0).max(1).describe('Rate factor at step 0, rising linearly to 1 (detectron2 uses 0.001).'),
  })
  .strict();

export const lossTermSchema = z
  .object({
    node: z.string().describe('Id of a loss node.'),
    weight: z.number().describe('Multiplier of this loss in the optimizer\'s objective.'),
  })
  .strict();

const optimizerBase = {
  id,
  modules: z.array(z.string()).min(1).describe('Modules whose trainable weights this optimizer updates ("main" = nodes in no module).'),
  // May be empty while being edited (its loss node was deleted): the validator says what to fix, and the file still opens.
  losses: z.array(lossTermSchema).describe('Weighted losses it minimises (at least one to train).'),
  lr: z.number().positive().describe('Base learning rate.'),
  weightDecay: z.number().min(0).default(0).describe('L2 penalty added to the gradient, as PyTorch\'s weight_decay.'),
  schedule: scheduleSchema.default({ type: 'constant' }),
  warmup: warmupSchema.optional(),
};

export const optimizerSchema = z
  .discriminatedUnion('type', [
    z
      .object({
        type: z.literal('adam'),
        ...optimizerBase,
        betas: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]).default([0.9, 0.999]),
        eps: z.number().positive().default(1e-8).describe('PyTorch\'s default 1e-8 (tfjs would use 1e-7).'),
      })
      .strict(),
    z
      .object({
        type: z.literal('sgd'),
        ...optimizerBase,
        momentum: z.number().min(0).max(1).default(0),
        nesterov: z.boolean().default(false),
      })
      .strict(),
  ])
  .describe('An optimizer; several step in the listed order each iteration (a GAN steps D, then G).');

export const datasetSchema = z
  .object({
    type: z.string().min(1).describe('Dataset type, e.g. "shapes" (synthetic, no download).'),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .describe('Where training samples come from.');

export const trainingSchema = z
  .object({
    steps: z.number().int().min(1).default(1000),
    batchSize: z.number().int().min(1).max(4096).default(4),
    seed: z.number().int().min(0).default(0),
    optimizers: z.array(optimizerSchema).min(1),
    logEvery: z.number().int().min(1).default(10),
    previewEvery: z.number().int().min(0).default(100).describe('0 turns previews off.'),
    checkpointEvery: z.number().int().min(0).default(500).describe('0 keeps only the final checkpoint.'),
  })
  .strict();

export const layoutSchema = z
  .object({
    nodes: z
      .record(z.string(), z.object({ x: z.number(), y: z.number(), collapsed: z.boolean().optional() }).strict())
      .default({}),
    modules: z
      .record(z.string(), z.object({ color: z.string().optional(), collapsed: z.boolean().optional() }).strict())
      .default({}),
    viewport: z.object({ x: z.number(), y: z.number(), zoom: z.number().positive() }).strict().optional(),
  })
  .strict()
  .describe('Editor layout: positions, viewport, colours. Never affects training.');

export const graphSchema = z
  .object({
    format: z.literal(GRAPH_FORMAT),
    version: z.literal(GRAPH_VERSION),
    name: z.string().max(200).default('Untitled'),
    description: z.string().default(''),
    nodes: z.array(nodeSchema),
    edges: z.array(edgeSchema),
    modules: z.array(moduleSchema).default([]),
    dataset: datasetSchema,
    training: trainingSchema,
    layout: layoutSchema.default({ nodes: {}, modules: {} }),
  })
  .strict()
  .describe('A Tensorweave graph: a model, its data and how it trains.');

export type GraphDocument = z.output<typeof graphSchema>;
export type GraphNode = z.output<typeof nodeSchema>;
export type GraphEdge = z.output<typeof edgeSchema>;
export type GraphModule = z.output<typeof moduleSchema>;
export type OptimizerSpec = z.output<typeof optimizerSchema>;
export type ScheduleSpec = z.output<typeof scheduleSchema>;
export type TrainingSpec = z.output<typeof trainingSchema>;
export type DatasetSpec = z.output<typeof datasetSchema>;

/** The module that owns nodes placed in no module. */
export const MAIN_MODULE = 'main';
