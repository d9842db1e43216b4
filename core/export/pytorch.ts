/**
 * `tensorweave export pytorch`: a graph becomes a plain PyTorch package
 * (model.py, losses.py, train.py, data.py, weights.py, requirements.txt,
 * README.md) that trains on one CPU, one GPU or many under torchrun.
 *
 * The generator only walks the graph; what each node becomes in PyTorch is
 * declared by the node type itself (`pytorch` in its defineNode). The node
 * library comes in as a parameter: core never imports nodes/.
 *
 * Training follows our executor exactly, unrolled into straight-line code per
 * optimizer: values an optimizer does not differentiate are computed once per
 * step without gradients (or taken, detached, from an earlier optimizer), and
 * batch-norm statistics move only the first time a node runs in a step.
 */
import { readFileSync } from 'node:fs';
import { defaultParams } from '../params';
import type { GraphDocument, OptimizerSpec } from '../graph/schema';
import type { GraphRegistries } from '../graph/registries';
import type { PytorchExport } from './pytorch-api';
import { planExport, type ExportPlan } from './plan';
import { py, pyName } from './python';
import { torchStateFromWeights } from './weights';
import { encodeSafetensors } from './safetensors';

/** The dataset node reads the batch; it is never computed, shared or differentiated. */
const DATASET_NODE = 'input.dataset';

export interface ExportOptions {
  /** Our weights by name (a checkpoint's), written as model.safetensors in PyTorch's layouts. */
  weights?: Record<string, Float32Array>;
  /** Where the graph came from, for the generated files' headers. */
  source?: string;
}

export interface ExportedPackage {
  /** File name → contents. */
  files: Record<string, string | Uint8Array>;
}

const STATIC_FILES = ['losses.py', 'weights.py', 'data.py'] as const;

function staticFile(name: string): string {
  return readFileSync(new URL(`./py/${name}`, import.meta.url), 'utf8');
}

/** Builds the whole package in memory; throws ExportError before anything could be written. */
export function exportPytorch(graph: GraphDocument, registries: GraphRegistries, options: ExportOptions = {}): ExportedPackage {
  const plan = planExport(graph, registries);
  try {
    const gen = new Generator(graph, plan);
    const files: Record<string, string | Uint8Array> = {
      'model.py': gen.modelPy(options.source),
      'train.py': gen.trainPy(),
      'requirements.txt': 'torch>=1.13\nnumpy\ntorchvision  # only for the image-folder datasets\n',
      'README.md': gen.readme(Boolean(options.weights)),
    };
    for (const name of STATIC_FILES) files[name] = staticFile(name);
    if (options.weights) {
      files['model.safetensors'] = encodeSafetensors(torchStateFromWeights(plan, options.weights), { format: 'pt', graph: graph.name });
    }
    return { files };
  } finally {
    plan.program.dispose();
  }
}

class Generator {
  private readonly vars = new Map<string, string>();
  private readonly params = new Map<string, Record<string, unknown>>();

  constructor(
    private readonly graph: GraphDocument,
    private readonly plan: ExportPlan,
  ) {
    const taken = new Set<string>();
    for (const id of plan.program.order) {
      const node = plan.program.nodes.get(id)!;
      const ports = Object.keys(node.def.outputs);
      for (const port of ports) {
        let name = ports.length === 1 ? pyName(id) : pyName(`${id}_${port}`);
        while (taken.has(name)) name = `${name}_`;
        taken.add(name);
        this.vars.set(`${id}.${port}`, name);
      }
      const graphNode = graph.nodes.find((n) => n.id === id)!;
      this.params.set(id, { ...defaultParams(node.def.params), ...graphNode.params });
    }
  }

  private varOf(node: string, port: string): string {
    return this.vars.get(`${node}.${port}`)!;
  }

  private isDataset(id: string): boolean {
    return this.plan.program.nodes.get(id)!.def.type === DATASET_NODE;
  }

  /** Assignment lines computing node `id`, its weights reached from `root` ('self' or 'model'). */
  private nodeLines(id: string, root: string, training: string, updateStats: boolean, usedPorts?: Set<string>): string[] {
    const node = this.plan.program.nodes.get(id)!;
    const graphNode = this.graph.nodes.find((n) => n.id === id)!;
    const owner = graphNode.shareWeightsWith ?? id;
    const ownerAttr = this.plan.nodeAttrs.get(owner);
    const moduleAttr = this.plan.modules.get(node.moduleId)!.attr;
    const exporter = node.def.pytorch as PytorchExport;
    const inputs: Record<string, string> = {};
    for (const [port, wire] of Object.entries(node.wires)) inputs[port] = this.varOf(wire.node, wire.port);
    const exprs = exporter.forward({
      params: this.params.get(id) as never,
      inputs: node.inputTypes,
      outputs: node.outputTypes,
      module: ownerAttr ? `${root}.${moduleAttr}.${ownerAttr}` : '',
      in: inputs,
      training,
      updateStats,
    });
    return Object.entries(exprs)
      .filter(([port]) => !usedPorts || usedPorts.has(port))
      .map(([port, expr]) => `${this.varOf(id, port)} = ${expr}`);
  }

  /** Output ports of `id` that some wire reads. */
  private usedPorts(id: string): Set<string> {
    return new Set(this.graph.edges.filter((e) => e.from.node === id).map((e) => e.from.port));
  }

  modelPy(source?: string): string {
    const { program } = this.plan;
    const out: string[] = [];
    out.push(
      `"""${this.graph.name}: the model, as PyTorch modules.`,
      '',
      `Generated by \`tensorweave export pytorch\`${source ? ` from ${source}` : ''}. One nn.Module per graph module, its`,
      'attributes named after node ids; Model.forward runs every node in graph order. Feature maps are N x C x H x W.',
      '"""',
      'import torch',
      'from torch import nn',
      'import torch.nn.functional as F',
      '',
      'import losses',
      '',
      '',
      'def batch_norm_frozen_stats(bn, x):',
      '    """bn(x) without moving its running statistics: Tensorweave updates them once per training step, so a',
      '    node run again for a later optimizer in the same step normalises with the batch but leaves them alone."""',
      '    if not bn.training:',
      '        return bn(x)',
      '    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, True, 0.0, bn.eps)',
      '',
    );
    for (const [moduleId, m] of this.plan.modules) {
      const members = program.order.filter((id) => program.nodes.get(id)!.moduleId === moduleId && this.plan.nodeAttrs.has(id));
      out.push('', `class ${m.className}(nn.Module):`, `    """Graph module '${moduleId}' (${m.name})."""`, '', '    def __init__(self):', '        super().__init__()');
      for (const id of members) {
        const node = program.nodes.get(id)!;
        const exporter = node.def.pytorch as PytorchExport;
        const ctor = exporter.module!({ params: this.params.get(id) as never, inputs: node.inputTypes, outputs: node.outputTypes });
        out.push(`        self.${this.plan.nodeAttrs.get(id)} = ${ctor}`);
      }
      out.push('');
    }
    out.push(
      '',
      'class Model(nn.Module):',
      `    """${this.graph.name}: every graph module as an attribute; state_dict keys are <module>.<node>.<param>."""`,
      '',
      '    def __init__(self):',
      '        super().__init__()',
    );
    for (const m of this.plan.modules.values()) out.push(`        self.${m.attr} = ${m.className}()`);
    out.push(
      '',
      '    def forward(self, batch):',
      '        """Every node in graph order on a batch from data.py; returns each output by "node.port"."""',
    );
    const results: string[] = [];
    for (const id of program.order) {
      const dataset = this.isDataset(id);
      for (const line of this.nodeLines(id, 'self', 'self.training', true, dataset ? this.usedPorts(id) : undefined)) out.push(`        ${line}`);
      if (dataset) continue;
      for (const port of Object.keys(program.nodes.get(id)!.def.outputs)) results.push(`${py(`${id}.${port}`)}: ${this.varOf(id, port)}`);
    }
    out.push('        return {');
    for (const r of results) out.push(`            ${r},`);
    out.push('        }', '');
    return out.join('\n');
  }

  /** The objective function of each optimizer, unrolled as our executor runs it. */
  private objectives(): string[] {
    const { program } = this.plan;
    const optimizers = this.graph.training.optimizers;
    const liveFor = (id: string, modules: ReadonlySet<string>) => [...program.nodes.get(id)!.dependsOn].some((m) => modules.has(m));
    const needs = optimizers.map((o) => program.ancestors(o.losses.map((l) => l.node)));
    const moduleSets = optimizers.map((o) => new Set(o.modules));
    const shared = new Set<string>();
    const ran = new Set<string>();
    const out: string[] = [];
    // Loss nodes no optimizer minimises are still computed and logged, as our trainer does (monitoring): values
    // the optimizers left in `shared` are reused; the rest is computed after the optimizers stepped.
    const minimised = new Set(optimizers.flatMap((o) => o.losses.map((l) => l.node)));
    const monitored = program.order.filter(
      (id) => !minimised.has(id) && Object.values(program.nodes.get(id)!.def.outputs as Record<string, { kind: string }>).some((o) => o.kind === 'loss'),
    );
    const monitorNeeds = monitored.length > 0 ? program.ancestors(monitored) : [];
    optimizers.forEach((spec, k) => {
      const modules = moduleSets[k];
      const live = (id: string) => liveFor(id, modules);
      const keep = new Set<string>();
      for (let j = k + 1; j < optimizers.length; j++) for (const id of needs[j]) if (live(id) && !liveFor(id, moduleSets[j])) keep.add(id);
      const needed = needs[k];
      const terms = spec.losses.map((l) => `${l.weight === 1 ? '' : `${py(l.weight)} * `}${this.varOf(l.node, 'loss')}`).join(' + ');
      out.push(
        '',
        `def objective_${pyName(spec.id)}(model, batch, shared):`,
        `    """Optimizer '${spec.id}' (modules ${spec.modules.join(', ')}): ${terms}.`,
        '',
        '    Nodes its modules do not influence are computed once per step without gradients, or taken from',
        '    `shared`, where earlier optimizers left them detached."""',
      );
      for (const id of needed) if (this.isDataset(id)) for (const line of this.nodeLines(id, 'model', 'model.training', true, this.usedPorts(id))) out.push(`    ${line}`);
      const prepare = needed.filter((id) => !this.isDataset(id) && !live(id) && !shared.has(id));
      if (prepare.length > 0) {
        out.push('    with torch.no_grad():');
        for (const id of prepare) {
          for (const line of this.nodeLines(id, 'model', 'model.training', !ran.has(id))) out.push(`        ${line}`);
          ran.add(id);
          shared.add(id);
          for (const port of Object.keys(program.nodes.get(id)!.def.outputs)) out.push(`        shared[${py(this.varOf(id, port))}] = ${this.varOf(id, port)}`);
        }
      }
      const readsShared = needed.filter((id) => !this.isDataset(id) && !live(id) && !prepare.includes(id));
      for (const id of readsShared) for (const port of Object.keys(program.nodes.get(id)!.def.outputs)) out.push(`    ${this.varOf(id, port)} = shared[${py(this.varOf(id, port))}]`);
      for (const id of needed) {
        if (this.isDataset(id) || !live(id)) continue;
        for (const line of this.nodeLines(id, 'model', 'model.training', !ran.has(id))) out.push(`    ${line}`);
        ran.add(id);
        if (keep.has(id)) {
          shared.add(id);
          for (const port of Object.keys(program.nodes.get(id)!.def.outputs)) out.push(`    shared[${py(this.varOf(id, port))}] = ${this.varOf(id, port)}.detach()`);
        }
      }
      out.push(`    total = ${terms}`, `    return total, {${spec.losses.map((l) => `${py(l.node)}: ${this.varOf(l.node, 'loss')}`).join(', ')}}`, '');
    });
    if (monitored.length === 0) {
      out.push('', 'monitor = None', '');
      return out;
    }
    out.push(
      '',
      'def monitor(model, batch, shared):',
      `    """Loss nodes no optimizer minimises (${monitored.join(', ')}): logged only, never trained on."""`,
      '    with torch.no_grad():',
    );
    for (const id of monitorNeeds) {
      if (this.isDataset(id)) {
        for (const line of this.nodeLines(id, 'model', 'model.training', true, this.usedPorts(id))) out.push(`        ${line}`);
      } else if (shared.has(id)) {
        for (const port of Object.keys(program.nodes.get(id)!.def.outputs)) out.push(`        ${this.varOf(id, port)} = shared[${py(this.varOf(id, port))}]`);
      } else {
        for (const line of this.nodeLines(id, 'model', 'model.training', !ran.has(id))) out.push(`        ${line}`);
        ran.add(id);
      }
    }
    out.push(`        return {${monitored.map((id) => `${py(id)}: ${this.varOf(id, 'loss')}`).join(', ')}}`, '');
    return out;
  }

  trainPy(): string {
    const t = this.graph.training;
    const moduleAttrs = Object.fromEntries([...this.plan.modules].map(([id, m]) => [id, m.attr]));
    const optimizers = t.optimizers.map((o) => optimizerLiteral(o));
    const template = staticFile('train.py');
    const generated = [
      `GRAPH_NAME = ${py(this.graph.name)}`,
      `DATASET = ${py({ type: this.graph.dataset.type, params: this.graph.dataset.params })}`,
      `TRAINING = ${py({ steps: t.steps, batch_size: t.batchSize, seed: t.seed, log_every: t.logEvery, checkpoint_every: t.checkpointEvery })}`,
      '# Graph module id -> attribute of Model.',
      `MODULES = ${py(moduleAttrs)}`,
      '# In the graph\'s order: each steps on its own objective every iteration.',
      'OPTIMIZERS = [',
      ...optimizers.map((o) => `    ${o},`),
      ']',
      ...this.objectives(),
      '',
      `OBJECTIVES = [${t.optimizers.map((o) => `objective_${pyName(o.id)}`).join(', ')}]`,
      'MONITOR = monitor',
    ].join('\n');
    const marker = '# @generated@';
    if (!template.includes(marker)) throw new Error('core/export/py/train.py lost its "# @generated@" marker');
    return template.replace(marker, generated);
  }

  readme(withWeights: boolean): string {
    const synthetic = this.graph.dataset.type.startsWith('shapes');
    return [
      `# ${this.graph.name} — PyTorch export`,
      '',
      'Generated by `tensorweave export pytorch`. Plain PyTorch (1.13 or 2.x); read `model.py` first.',
      '',
      '| file | what |',
      '|---|---|',
      '| `model.py` | one `nn.Module` per graph module, attributes named after node ids; `Model.forward` runs the graph |',
      '| `losses.py` | the loss functions with Tensorweave\'s exact definitions |',
      '| `train.py` | the optimizers in the graph\'s order, their objectives, schedules, checkpoints, `events.jsonl` |',
      '| `data.py` | datasets: samples written by `tensorweave export-data`, pix2pix and CycleGAN folders |',
      '| `weights.py` | safetensors read/write without extra packages |',
      withWeights ? '| `model.safetensors` | the Tensorweave checkpoint\'s weights in PyTorch layouts |' : '',
      '',
      '## Train',
      '',
      '```sh',
      synthetic ? `npx tensorweave export-data ${this.graph.dataset.type} --count 10000 data   # in the Tensorweave project` : '# point --data at your dataset folder',
      `python3 train.py --data data${withWeights ? ' --weights model.safetensors' : ''}                    # one CPU or GPU`,
      `torchrun --nproc_per_node=4 train.py --data data${withWeights ? ' --weights model.safetensors' : ''}   # data parallel, one process per GPU`,
      '```',
      '',
      'With Debian\'s torch 1.13 on Python 3.11, add `--redirects 1 --tee 1` to torchrun (its default "0" fails to parse there).',
      '',
      'Under torchrun every process reads its own shard (DistributedSampler), gradients are averaged across',
      'processes before each optimizer steps, and only rank 0 logs and saves. `--batch-size` is per process.',
      '`--sync-bn` turns batch norms into SyncBatchNorm (GPU only). The run folder holds `events.jsonl` in',
      'Tensorweave\'s format, `checkpoints/step-N.pt` and `model.safetensors`, which',
      '`npx tensorweave import-weights <graph> model.safetensors` brings back.',
      '',
    ]
      .filter((line, i, all) => line !== '' || all[i - 1] !== '')
      .join('\n');
  }
}

function optimizerLiteral(o: OptimizerSpec): string {
  const common = { id: o.id, type: o.type, modules: o.modules, lr: o.lr, weight_decay: o.weightDecay, schedule: o.schedule, warmup: o.warmup ?? null };
  return py(o.type === 'adam' ? { ...common, betas: o.betas, eps: o.eps } : { ...common, momentum: o.momentum, nesterov: o.nesterov });
}
