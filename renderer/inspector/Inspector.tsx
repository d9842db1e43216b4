/**
 * The right-hand panel: the selected node's params (a form generated from
 * its param specs), ports and problems; a selected module's settings; or,
 * with nothing selected, the graph's dataset and training settings.
 */
import { useState } from 'react';
import type { InputPortDef, OutputPortDef } from '../../core/node-api';
import { formatValueType, PORT_KINDS, type PortKind } from '../../core/types';
import { CATEGORY_TITLES } from '../../core/node-api';
import { MAIN_MODULE, type GraphNode } from '../../core/graph/schema';
import type { ParamSpecs } from '../../core/params';
import { useEditor, useServices } from '../services/context';
import { kindColor, nodeDef } from '../editor/catalog';
import * as edits from '../editor/edits';
import { formatCount, trainableParameterCount } from '../editor/param-count';
import { GraphSettings } from './GraphSettings';
import { ParamField } from './ParamField';
import { TextField } from './TextField';

export function Inspector() {
  const selectedNodes = useEditor((s) => s.selectedNodes);
  const selectedModule = useEditor((s) => s.selectedModule);
  const doc = useEditor((s) => s.doc);
  let body;
  if (selectedModule) body = <ModuleInspector moduleId={selectedModule} />;
  else if (selectedNodes.length === 1) {
    const node = doc.nodes.find((n) => n.id === selectedNodes[0]);
    body = node ? <NodeInspector node={node} /> : null;
  } else if (selectedNodes.length > 1) body = <MultiInspector count={selectedNodes.length} />;
  else body = <GraphSettings />;
  return (
    <aside className="tw-inspector" aria-label="Inspector" data-testid="inspector">
      {body}
    </aside>
  );
}

function NodeInspector({ node }: { node: GraphNode }) {
  const { editor } = useServices();
  const analysis = useEditor((s) => s.analysis);
  const doc = useEditor((s) => s.doc);
  const def = nodeDef(node.type);
  const inferred = analysis.inferred[node.id];
  const problems = analysis.byNode.get(node.id) ?? [];
  const module = edits.moduleOf(doc, node.id);
  const params = def ? trainableParameterCount(node, inferred) : undefined;
  const isLoss = def ? Object.values(def.outputs as Record<string, OutputPortDef>).some((o) => o.kind === 'loss') : false;

  if (!def) {
    return (
      <div className="tw-inspector-section">
        <h2>Unknown node type</h2>
        <p className="tw-doc">
          Node '{node.id}' has type '{node.type}', which this version of Tensorweave does not know. Delete it or replace it with a known node.
        </p>
        <ProblemList problems={problems} />
      </div>
    );
  }
  return (
    <div className="tw-inspector-section" data-testid={`inspector-${node.id}`}>
      <div className="tw-inspector-kicker">{CATEGORY_TITLES[def.category]}</div>
      <h2>{def.title}</h2>
      <details className="tw-doc">
        <summary>{def.doc.split('. ')[0]}.</summary>
        <p>{def.doc}</p>
      </details>
      <dl className="tw-facts">
        <dt>Id</dt>
        <dd>{node.id}</dd>
        <dt>Module</dt>
        <dd>{module ? module.name : `${MAIN_MODULE} (no module)`}</dd>
        {params !== undefined && (
          <>
            <dt>Parameters</dt>
            <dd title={params.toLocaleString('en-US')}>{formatCount(params)}</dd>
          </>
        )}
      </dl>
      <TextField label="Label" value={node.label ?? ''} placeholder={def.title} onCommit={(v) => editor.getState().setLabel(node.id, v)} />
      {Object.keys(def.params).length > 0 && <h3>Parameters</h3>}
      {Object.entries(def.params as ParamSpecs).map(([name, spec]) => (
        <ParamField
          key={`${node.id}:${name}:${JSON.stringify(node.params[name])}`}
          name={name}
          spec={spec}
          value={node.params[name] ?? spec.default}
          problem={problems.find((p) => p.param === name)?.message}
          onCommit={(value) => {
            const outcome = editor.getState().setParam(node.id, name, value);
            return outcome.ok ? null : outcome.reason;
          }}
        />
      ))}
      <h3>Ports</h3>
      <ul className="tw-ports">
        {Object.entries(def.inputs as Record<string, InputPortDef>).map(([port, spec]) => (
          <li key={`in-${port}`} title={spec.doc}>
            <i style={{ background: kindColor(spec.kinds[0] as PortKind) }} />
            <span className="tw-port-dir">in</span> {port}
            {spec.optional ? ' (optional)' : ''}
            <code>{inferred?.inputs[port] ? formatValueType(inferred.inputs[port]) : spec.kinds.map((k) => PORT_KINDS[k as PortKind].title).join(' / ')}</code>
          </li>
        ))}
        {Object.entries(def.outputs as Record<string, OutputPortDef>).map(([port, spec]) => (
          <li key={`out-${port}`} title={spec.doc}>
            <i style={{ background: kindColor(spec.kind as PortKind) }} />
            <span className="tw-port-dir">out</span> {port}
            <code>{inferred?.outputs[port] ? formatValueType(inferred.outputs[port]) : PORT_KINDS[spec.kind as PortKind].title}</code>
          </li>
        ))}
      </ul>
      {isLoss && <LossTerms nodeId={node.id} />}
      <ProblemList problems={problems} />
    </div>
  );
}

function LossTerms({ nodeId }: { nodeId: string }) {
  const { editor } = useServices();
  const optimizers = useEditor((s) => s.doc.training.optimizers);
  return (
    <>
      <h3>Minimised by</h3>
      {optimizers.map((o) => {
        const term = o.losses.find((t) => t.node === nodeId);
        return (
          <div key={o.id} className="tw-loss-term">
            <label>
              <input
                type="checkbox"
                checked={term !== undefined}
                onChange={(e) => editor.getState().apply(edits.setLossTerm(editor.getState().doc, o.id, nodeId, e.target.checked ? 1 : 0))}
              />
              {o.id} ({o.type})
            </label>
            {term && (
              <TextField
                label="weight"
                inline
                value={String(term.weight)}
                onCommit={(v) => {
                  const outcome = editor.getState().apply(edits.setLossTerm(editor.getState().doc, o.id, nodeId, Number(v)));
                  return outcome.ok ? null : outcome.reason;
                }}
              />
            )}
          </div>
        );
      })}
    </>
  );
}

function MultiInspector({ count }: { count: number }) {
  const { editor } = useServices();
  return (
    <div className="tw-inspector-section">
      <h2>{count} nodes selected</h2>
      <p className="tw-doc">Group them into a module (Ctrl+G) to give their weights one name that optimizers can refer to, and to move, collapse and copy them as one.</p>
      <div className="tw-button-row">
        <button className="tw-button primary" onClick={() => editor.getState().groupSelection()}>
          Group into module
        </button>
        <button className="tw-button danger" onClick={() => editor.getState().deleteSelection()}>
          Delete
        </button>
      </div>
    </div>
  );
}

function ModuleInspector({ moduleId }: { moduleId: string }) {
  const { editor } = useServices();
  const doc = useEditor((s) => s.doc);
  const analysis = useEditor((s) => s.analysis);
  const module = doc.modules.find((m) => m.id === moduleId);
  if (!module) return null;
  const collapsed = Boolean(doc.layout.modules[moduleId]?.collapsed);
  const trainers = doc.training.optimizers.filter((o) => o.modules.includes(moduleId));
  let total = 0;
  for (const id of module.nodes) {
    const node = doc.nodes.find((n) => n.id === id);
    if (node) total += trainableParameterCount(node, analysis.inferred[id]) ?? 0;
  }
  return (
    <div className="tw-inspector-section" data-testid={`inspector-module-${moduleId}`}>
      <div className="tw-inspector-kicker">Module</div>
      <h2>{module.name}</h2>
      <TextField label="Name" value={module.name} onCommit={(v) => editor.getState().renameModule(moduleId, v)} />
      <div className="tw-field">
        <label title="How this module's weights start: the node types' PyTorch defaults, or N(0, 0.02) as in pix2pix and CycleGAN.">
          <span className="tw-field-name">init</span>
        </label>
        <select
          value={module.init ?? 'default'}
          onChange={(e) => editor.getState().commit(edits.setModuleInit(editor.getState().doc, moduleId, e.target.value as 'default' | 'normal0.02'))}
        >
          <option value="default">default (PyTorch)</option>
          <option value="normal0.02">normal0.02 (GANs)</option>
        </select>
      </div>
      <FrozenField key={moduleId} moduleId={moduleId} frozen={module.frozen === true} moduleName={module.name} trainers={trainers.map((o) => o.id)} />
      <dl className="tw-facts">
        <dt>Id</dt>
        <dd>{module.id}</dd>
        <dt>Nodes</dt>
        <dd>{module.nodes.length}</dd>
        <dt>Parameters</dt>
        <dd>{formatCount(total)}</dd>
        <dt>Trained by</dt>
        <dd>{trainers.length > 0 ? trainers.map((o) => o.id).join(', ') : module.frozen ? 'no optimizer (frozen)' : 'no optimizer (weights stay as initialised)'}</dd>
      </dl>
      <div className="tw-button-row">
        <button className="tw-button" onClick={() => editor.getState().setModuleCollapsed(moduleId, !collapsed)}>
          {collapsed ? 'Expand' : 'Collapse'}
        </button>
        <button className="tw-button" onClick={() => editor.getState().ungroup(moduleId)}>
          Ungroup
        </button>
      </div>
      <h3>Members</h3>
      <ul className="tw-members">
        {module.nodes.map((id) => (
          <li key={id}>
            <button className="tw-link" onClick={() => editor.getState().select([id])}>
              {id}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The module's `frozen` flag. Freezing a module that optimizers update first
 * asks to take it out of them (the file format forbids both at once), so
 * the checkbox never leaves an error behind without the user's say.
 */
function FrozenField({ moduleId, moduleName, frozen, trainers }: { moduleId: string; moduleName: string; frozen: boolean; trainers: readonly string[] }) {
  const { editor } = useServices();
  const [pending, setPending] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const set = (on: boolean) => {
    const outcome = editor.getState().setModuleFrozen(moduleId, on);
    setRefusal(outcome.ok ? null : outcome.reason);
    setPending(false);
  };
  const quoted = trainers.map((o) => `'${o}'`).join(', ');
  return (
    <div className="tw-field" data-testid="module-frozen">
      <label className="tw-check">
        <input
          type="checkbox"
          data-testid="module-frozen-checkbox"
          checked={frozen || pending}
          onChange={(e) => {
            if (e.target.checked && trainers.length > 0) {
              setRefusal(null);
              setPending(true);
            } else set(e.target.checked);
          }}
        />
        <span className="tw-field-name">Frozen (never trained)</span>
      </label>
      <p className="tw-doc">
        A frozen module keeps its weights as they are (a pretrained loss network, a fixed teacher): no optimizer may list it, and it gets no warning for being untrained.
      </p>
      {pending && (
        <div className="tw-field-notice" role="alert" data-testid="module-frozen-confirm">
          <p className="tw-field-notice-text">
            Optimizer {quoted} {trainers.length === 1 ? 'updates' : 'update'} '{moduleName}'. Freezing it takes it out of {trainers.length === 1 ? "that optimizer's" : "those optimizers'"} modules.
          </p>
          <div className="tw-button-row">
            <button className="tw-button primary" onClick={() => set(true)}>
              Freeze and remove from {quoted}
            </button>
            <button className="tw-button" onClick={() => setPending(false)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {refusal && (
        <div className="tw-field-error" role="alert" data-testid="module-frozen-error">
          {refusal}
        </div>
      )}
    </div>
  );
}

export function ProblemList({ problems }: { problems: readonly { severity: string; message: string }[] }) {
  if (problems.length === 0) return null;
  return (
    <>
      <h3>Problems</h3>
      <ul className="tw-problem-list">
        {problems.map((p, i) => (
          <li key={i} className={p.severity}>
            {p.message}
          </li>
        ))}
      </ul>
    </>
  );
}
