/**
 * The next run's settings. Each field shows the graph's value until the user
 * types another; an override applies to runs started from here and leaves the
 * graph unchanged (reset returns to the graph's value).
 */
import { useMemo, useState } from 'react';
import { useEditor } from '../services/context';
import { useTraining } from './context';
import { BACKENDS, resolveSettings, SETTING_FIELDS, stepsForEpochs, trainSetSize, type SettingField } from './settings';
import { isActive, type BackendPreference, type SettingsOverrides } from './store';
import { formatInteger } from './series';

export function SettingsForm() {
  const doc = useEditor((s) => s.doc);
  const overrides = useTraining((s) => s.overrides);
  const unit = useTraining((s) => s.stepUnit);
  const backend = useTraining((s) => s.backend);
  const lastBackend = useTraining((s) => s.lastBackend);
  const liveBackend = useTraining((s) => s.live?.backend);
  const running = useTraining((s) => isActive(s.live));
  const setOverride = useTraining((s) => s.setOverride);
  const setStepUnit = useTraining((s) => s.setStepUnit);
  const setBackend = useTraining((s) => s.setBackend);
  const dataset = doc.dataset;
  const seed = doc.training.seed;
  // Opening the dataset is cheap but not free; it changes only with the dataset and the seed.
  const epochSize = useMemo(() => trainSetSize(dataset, seed), [dataset, seed]);
  const resolved = resolveSettings(doc, overrides, unit, backend, epochSize);
  const chosen = liveBackend ?? lastBackend;
  const backendHelp = BACKENDS.find((b) => b.value === backend)?.help ?? '';

  return (
    <div className="tw-train-settings" data-testid="train-settings">
      {running && <p className="tw-train-note">Changes apply to the next run.</p>}
      <div className="tw-train-field">
        <select
          className="tw-train-unit"
          value={unit}
          onChange={(e) => setStepUnit(e.target.value as 'steps' | 'epochs')}
          aria-label="Length unit"
          title={epochSize === undefined ? 'This dataset is generated without end: it has no epochs, so runs are measured in steps.' : 'Measure the run in steps or in passes over the training set'}
          data-testid="train-unit"
        >
          <option value="steps">Steps</option>
          <option value="epochs" disabled={epochSize === undefined}>
            Epochs
          </option>
        </select>
        <div className="tw-train-length">
          {unit === 'steps' ? (
            <NumberField id="tw-train-length" field={SETTING_FIELDS[0]} value={overrides.steps} graphValue={doc.training.steps} onChange={(v) => setOverride('steps', v)} />
          ) : (
            <NumberField
              id="tw-train-length"
              field={{ name: 'steps', label: 'Epochs', min: 1, max: 100_000, help: 'Passes over the training set.' }}
              value={overrides.epochs}
              graphValue={epochSize ? Math.max(1, Math.round((doc.training.steps * resolved.effective.batchSize) / epochSize)) : 1}
              onChange={(v) => setOverride('epochs', v)}
            />
          )}
        </div>
        {unit === 'epochs' && epochSize !== undefined && (
          <span className="tw-train-hint">
            {formatInteger(epochSize)} samples per epoch → {formatInteger(stepsForEpochs(overrides.epochs ?? 1, resolved.effective.batchSize, epochSize))} steps
          </span>
        )}
      </div>
      {SETTING_FIELDS.slice(1).map((field) => (
        <div className="tw-train-field" key={field.name}>
          <label htmlFor={`tw-train-${field.name}`} title={field.help}>
            {field.label}
          </label>
          <NumberField
            id={`tw-train-${field.name}`}
            field={field}
            value={overrides[field.name as keyof SettingsOverrides]}
            graphValue={doc.training[field.name]}
            onChange={(v) => setOverride(field.name as keyof SettingsOverrides, v)}
          />
        </div>
      ))}
      <div className="tw-train-field">
        <label htmlFor="tw-train-backend" title={backendHelp}>
          Backend
        </label>
        <select id="tw-train-backend" value={backend} onChange={(e) => setBackend(e.target.value as BackendPreference)} data-testid="train-backend-choice">
          {BACKENDS.map((b) => (
            <option key={b.value} value={b.value} title={b.help}>
              {b.label}
            </option>
          ))}
        </select>
        <span className="tw-train-hint" data-testid="train-backend-why">
          {backend === 'auto'
            ? chosen
              ? `${liveBackend ? 'Chose' : 'Last chose'} ${chosen.name}: ${chosen.reason}`
              : 'Chooses the fastest backend installed when the run starts.'
            : backendHelp}
        </span>
      </div>
      {resolved.problems.length > 0 && (
        <ul className="tw-train-problems">
          {resolved.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** A whole-number input that refuses what the trainer would refuse, and says so. */
function NumberField({ id, field, value, graphValue, onChange }: { id: string; field: SettingField; value: number | undefined; graphValue: number; onChange(value: number | undefined): void }) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? String(value ?? graphValue);
  const parsed = Number(shown);
  const invalid = draft !== null && (shown.trim() === '' || !Number.isInteger(parsed) || parsed < field.min || (field.max !== undefined && parsed > field.max));
  const commit = () => {
    if (draft === null) return;
    if (!invalid) onChange(parsed === graphValue ? undefined : parsed);
    setDraft(null);
  };
  return (
    <span className={`tw-train-number${value !== undefined ? ' overridden' : ''}${invalid ? ' invalid' : ''}`}>
      <input
        id={id}
        type="number"
        inputMode="numeric"
        min={field.min}
        max={field.max}
        step={1}
        value={shown}
        title={invalid ? `${field.label}: a whole number from ${field.min}${field.max !== undefined ? ` to ${field.max}` : ''}` : field.help}
        aria-invalid={invalid}
        data-setting={field.name === 'steps' && field.label === 'Epochs' ? 'epochs' : field.name}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(null);
        }}
      />
      {value !== undefined ? (
        <button className="tw-train-reset" onClick={() => onChange(undefined)} title={`Back to the graph's value (${graphValue})`}>
          ↺ {graphValue}
        </button>
      ) : (
        <span className="tw-train-from">graph</span>
      )}
      {invalid && <span className="tw-train-invalid">{field.min}–{field.max !== undefined ? formatInteger(field.max) : '∞'}</span>}
    </span>
  );
}
