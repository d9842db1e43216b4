/**
 * Graph-wide settings, shown when nothing is selected: name, description,
 * the dataset and its params, the training schedule and the optimizers
 * (which modules each one trains, with which losses and rate).
 */
import { MAIN_MODULE, type GraphDocument } from '../../core/graph/schema';
import type { OutputPorts } from '../../core/node-api';
import type { ParamSpecs } from '../../core/params';
import { useEditor, useServices } from '../services/context';
import { nodeDef, registries } from '../editor/catalog';
import * as edits from '../editor/edits';
import { ParamField } from './ParamField';
import { TextField } from './TextField';

const TRAINING_FIELDS: { field: edits.TrainingField; title: string }[] = [
  { field: 'steps', title: 'Training steps.' },
  { field: 'batchSize', title: 'Samples per step (N).' },
  { field: 'seed', title: 'Seed for weights, data order and dropout; the same seed gives the same run.' },
  { field: 'logEvery', title: 'Log losses every this many steps.' },
  { field: 'previewEvery', title: 'Render previews every this many steps (0 = never).' },
  { field: 'checkpointEvery', title: 'Save a checkpoint every this many steps (0 = only at the end).' },
];

export function GraphSettings() {
  const { editor } = useServices();
  const doc = useEditor((s) => s.doc);
  const analysis = useEditor((s) => s.analysis);
  const apply = (outcome: edits.ParamOutcome) => {
    const result = editor.getState().apply(outcome);
    return result.ok ? null : result.reason;
  };
  const datasetDef = Object.hasOwn(registries.datasets, doc.dataset.type) ? registries.datasets[doc.dataset.type] : undefined;
  const modules = [MAIN_MODULE, ...doc.modules.map((m) => m.id)];
  const moduleName = (id: string) => (id === MAIN_MODULE ? 'main (nodes in no module)' : (doc.modules.find((m) => m.id === id)?.name ?? id));

  return (
    <div className="tw-inspector-section" data-testid="graph-settings">
      <div className="tw-inspector-kicker">Graph</div>
      <h2>{doc.name || 'Untitled'}</h2>
      <p className="tw-doc">
        {doc.nodes.length} nodes · {doc.edges.length} wires · {doc.modules.length} modules ·{' '}
        {analysis.errorCount === 0 ? 'no errors' : `${analysis.errorCount} error${analysis.errorCount === 1 ? '' : 's'}`}
      </p>
      <TextField label="Name" value={doc.name} onCommit={(v) => editor.getState().commit(edits.setMeta(editor.getState().doc, { name: v }))} />
      <TextField label="Description" multiline value={doc.description} onCommit={(v) => editor.getState().commit(edits.setMeta(editor.getState().doc, { description: v }))} />

      <h3>Dataset</h3>
      <div className="tw-field">
        <label title={datasetDef?.doc}>
          <span className="tw-field-name">type</span>
        </label>
        <select value={doc.dataset.type} onChange={(e) => editor.getState().commit(edits.setDatasetType(editor.getState().doc, e.target.value))}>
          {Object.entries(registries.datasets).map(([type, def]) => (
            <option key={type} value={type}>
              {def.title}
            </option>
          ))}
          {!datasetDef && <option value={doc.dataset.type}>{doc.dataset.type} (unknown)</option>}
        </select>
      </div>
      {datasetDef &&
        Object.entries(datasetDef.params as ParamSpecs).map(([name, spec]) => (
          <ParamField
            key={`dataset:${name}:${JSON.stringify(doc.dataset.params[name])}`}
            name={name}
            spec={spec}
            value={doc.dataset.params[name] ?? spec.default}
            onCommit={(value) => apply(edits.setDatasetParam(editor.getState().doc, name, value))}
          />
        ))}

      <h3>Training</h3>
      {TRAINING_FIELDS.map(({ field, title }) => (
        <ParamField
          key={`training:${field}:${doc.training[field]}`}
          name={field}
          spec={{ type: 'int', default: doc.training[field], doc: title }}
          value={doc.training[field]}
          onCommit={(value) => (typeof value === 'number' ? apply(edits.setTrainingField(editor.getState().doc, field, value)) : `${field} must be a whole number`)}
        />
      ))}

      <h3>Optimizers</h3>
      {doc.training.optimizers.map((o) => (
        <div key={o.id} className="tw-optimizer" data-optimizer={o.id}>
          <div className="tw-optimizer-title">
            {o.id} <span className="tw-muted">{o.type}</span>
          </div>
          <ParamField
            key={`lr:${o.id}:${o.lr}`}
            name="lr"
            spec={{ type: 'float', default: o.lr, min: 0, exclusiveMin: true, doc: 'Base learning rate.' }}
            value={o.lr}
            onCommit={(value) => (typeof value === 'number' ? apply(edits.setOptimizerLr(editor.getState().doc, o.id, value)) : 'lr must be a number')}
          />
          <div className="tw-field">
            <label title="Modules whose trainable weights this optimizer updates.">
              <span className="tw-field-name">modules</span>
            </label>
            <div className="tw-checks">
              {modules.map((m) => (
                <label key={m} className="tw-check">
                  <input
                    type="checkbox"
                    checked={o.modules.includes(m)}
                    onChange={(e) => {
                      const why = apply(edits.toggleOptimizerModule(editor.getState().doc, o.id, m, e.target.checked));
                      if (why) e.target.checked = !e.target.checked;
                    }}
                  />
                  {moduleName(m)}
                </label>
              ))}
            </div>
          </div>
          <LossTermsEditor optimizerId={o.id} />
        </div>
      ))}
    </div>
  );
}

/** Loss nodes: nodes with a loss output, the only ones an optimizer can minimise. */
function lossNodeIds(doc: GraphDocument): string[] {
  return doc.nodes.filter((n) => Object.values((nodeDef(n.type)?.outputs ?? {}) as OutputPorts).some((out) => out.kind === 'loss')).map((n) => n.id);
}

/** An optimizer's weighted losses, edited in place: reweight, remove, add another loss node. */
function LossTermsEditor({ optimizerId }: { optimizerId: string }) {
  const { editor } = useServices();
  const doc = useEditor((s) => s.doc);
  const optimizer = doc.training.optimizers.find((o) => o.id === optimizerId);
  if (!optimizer) return null;
  const set = (nodeId: string, weight: number) => {
    const outcome = editor.getState().apply(edits.setLossTerm(editor.getState().doc, optimizerId, nodeId, weight));
    return outcome.ok ? null : outcome.reason;
  };
  const present = new Set(doc.nodes.map((n) => n.id));
  const addable = lossNodeIds(doc).filter((id) => !optimizer.losses.some((t) => t.node === id));
  return (
    <div className="tw-field" data-testid={`losses-${optimizerId}`}>
      <label title="Weighted losses this optimizer minimises: its objective is the sum of weight × loss.">
        <span className="tw-field-name">losses</span>
      </label>
      {optimizer.losses.length === 0 && <div className="tw-field-error">Minimises no loss yet: add one below.</div>}
      <ul className="tw-loss-terms">
        {optimizer.losses.map((term) => (
          <li key={term.node} className="tw-loss-term" data-loss={term.node}>
            <span className={present.has(term.node) ? '' : 'tw-field-error'} title={present.has(term.node) ? undefined : `There is no node '${term.node}' in this graph.`}>
              {term.node}
            </span>
            <TextField label="weight" inline value={String(term.weight)} onCommit={(v) => set(term.node, Number(v))} />
            <button className="tw-icon-button" onClick={() => set(term.node, 0)} aria-label={`Remove loss ${term.node} from ${optimizerId}`} title="Remove this loss">
              ×
            </button>
          </li>
        ))}
      </ul>
      {addable.length > 0 && (
        <select
          aria-label={`Add a loss to ${optimizerId}`}
          value=""
          onChange={(e) => {
            if (e.target.value) set(e.target.value, 1);
          }}
          data-testid={`add-loss-${optimizerId}`}
        >
          <option value="">Add a loss…</option>
          {addable.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      )}
    </div>
  );
}
