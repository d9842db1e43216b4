/**
 * One form field generated from a param spec: numbers with their range,
 * enums as menus, booleans as switches, lists as comma-separated numbers.
 * The spec's doc is the tooltip, and opens under the field when its "?"
 * is clicked or reached with Tab (screen readers get it as the input's description). A value the spec rejects is refused with
 * the reason and the param keeps its last valid value.
 */
import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { describeParam, torchDefaultNote, type ParamSpec } from '../../core/params';

export interface ParamFieldProps {
  name: string;
  spec: ParamSpec;
  value: unknown;
  /** Applies the value; returns why it was refused, or null. */
  onCommit(value: unknown): string | null;
  /** Extra problem from the graph (e.g. a shape rule naming this param). */
  problem?: string;
}

function rangeHint(spec: ParamSpec): string {
  if (spec.type === 'int' || spec.type === 'float') {
    const lo = spec.min !== undefined ? `${spec.min} ${spec.type === 'float' && spec.exclusiveMin ? '<' : '≤'} ` : '';
    const hi = spec.max !== undefined ? ` ≤ ${spec.max}` : '';
    return lo || hi ? `${lo}x${hi}` : '';
  }
  if (spec.type === 'ints' || spec.type === 'floats') {
    const length = spec.length !== undefined ? `${spec.length} values` : spec.minLength !== undefined || spec.maxLength !== undefined ? `${spec.minLength ?? 0}–${spec.maxLength ?? '∞'} values` : 'list';
    return length;
  }
  return '';
}

function toText(value: unknown): string {
  if (Array.isArray(value)) return value.join(', ');
  if (value === undefined || value === null) return '';
  return String(value);
}

/** Parses what was typed into the spec's value type; numbers that do not parse stay strings so checkParam names them. */
function parse(spec: ParamSpec, text: string): unknown {
  switch (spec.type) {
    case 'int':
    case 'float': {
      const trimmed = text.trim();
      if (trimmed === '') return text;
      const n = Number(trimmed);
      return Number.isNaN(n) ? text : n;
    }
    case 'ints':
    case 'floats': {
      const parts = text.split(/[\s,;×x]+/).filter((p) => p.length > 0);
      return parts.map((p) => (Number.isNaN(Number(p)) ? p : Number(p)));
    }
    default:
      return text;
  }
}

export function ParamField({ name, spec, value, onCommit, problem }: ParamFieldProps) {
  const id = useId();
  const docId = `${id}-doc`;
  const [docOpen, setDocOpen] = useState(false);
  const pressed = useRef(false);
  const [draft, setDraft] = useState(toText(value));
  const [error, setError] = useState<string | null>(null);
  const tooltip = `${spec.doc}\n\n${describeParam(spec)}`;
  const hint = rangeHint(spec);

  const commit = (next: unknown) => {
    const why = onCommit(next);
    setError(why);
    if (why === null) setDraft(toText(next));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'Enter') commit(parse(spec, draft));
    if (event.key === 'Escape') {
      setDraft(toText(value));
      setError(null);
    }
  };

  let control;
  switch (spec.type) {
    case 'bool':
      control = (
        <label className="tw-switch">
          <input id={id} type="checkbox" checked={value === true} onChange={(e) => commit(e.target.checked)} title={tooltip} aria-describedby={docId} data-param={name} />
          <span />
        </label>
      );
      break;
    case 'enum':
      control = (
        <select id={id} value={String(value)} onChange={(e) => commit(e.target.value)} title={tooltip} aria-describedby={docId} data-param={name}>
          {spec.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    default:
      control = (
        <input
          id={id}
          type={spec.type === 'int' || spec.type === 'float' ? 'number' : 'text'}
          {...(spec.type === 'int' || spec.type === 'float'
            ? { min: spec.min, max: spec.max, step: spec.type === 'int' ? 1 : 'any', inputMode: spec.type === 'int' ? ('numeric' as const) : ('decimal' as const) }
            : {})}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
            if (error) setError(null);
          }}
          onKeyDown={onKeyDown}
          onBlur={() => {
            if (draft !== toText(value)) commit(parse(spec, draft));
          }}
          className={error ? 'invalid' : ''}
          aria-invalid={error ? true : undefined}
          aria-describedby={docId}
          title={tooltip}
          data-param={name}
        />
      );
  }

  return (
    <div className={`tw-field${error || problem ? ' has-error' : ''}`} data-field={name}>
      <label htmlFor={id} title={tooltip}>
        <span className="tw-field-name">{name}</span>
        {hint && <span className="tw-field-hint">{hint}</span>}
        {spec.torchDefault !== undefined && (
          <span className="tw-field-torch" title={`${torchDefaultNote(spec)}; this default differs on purpose (see the param's help)`} data-testid="torch-default">
            PyTorch: {JSON.stringify(spec.torchDefault)}
          </span>
        )}
      </label>
      <button
        type="button"
        className="tw-help"
        aria-label={`About ${name}`}
        aria-expanded={docOpen}
        aria-controls={docId}
        // A click toggles; reaching it with the keyboard opens it. (A click also focuses: that focus is the click's.)
        onPointerDown={() => (pressed.current = true)}
        onClick={() => {
          pressed.current = false;
          setDocOpen((open) => !open);
        }}
        onFocus={() => {
          if (!pressed.current) setDocOpen(true);
        }}
        onBlur={() => setDocOpen(false)}
        data-testid={`param-doc-${name}`}
      >
        ?
      </button>
      {control}
      <div id={docId} className="tw-param-doc" role="note" hidden={!docOpen}>
        {spec.doc}
        <div className="tw-muted">{describeParam(spec)}</div>
      </div>
      {error && (
        <div className="tw-field-error" role="alert" data-testid="param-error">
          {error}
        </div>
      )}
      {!error && problem && <div className="tw-field-error">{problem}</div>}
    </div>
  );
}
