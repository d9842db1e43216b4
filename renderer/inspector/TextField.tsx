/**
 * A text input that commits on Enter or when it loses focus, so typing a
 * name is one undo step rather than one per keystroke.
 */
import { useEffect, useId, useState, type KeyboardEvent } from 'react';

export function TextField({
  label,
  value,
  onCommit,
  placeholder,
  multiline,
  inline,
  title,
}: {
  label: string;
  value: string;
  /** Returns why the value was refused, if it was. */
  onCommit(value: string): string | null | void;
  placeholder?: string;
  multiline?: boolean;
  inline?: boolean;
  title?: string;
}) {
  const id = useId();
  const [draft, setDraft] = useState(value);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(value), [value]);
  const commit = () => {
    if (draft === value) return;
    const why = onCommit(draft);
    setError(typeof why === 'string' ? why : null);
  };
  const common = {
    id,
    value: draft,
    placeholder,
    title,
    onChange: (e: { target: { value: string } }) => setDraft(e.target.value),
    onBlur: commit,
    onKeyDown: (e: KeyboardEvent) => {
      if (e.key === 'Enter' && !(multiline && e.shiftKey)) {
        e.preventDefault();
        commit();
      }
      if (e.key === 'Escape') setDraft(value);
    },
  };
  return (
    <div className={`tw-field${inline ? ' inline' : ''}${error ? ' has-error' : ''}`}>
      <label htmlFor={id} title={title}>
        <span className="tw-field-name">{label}</span>
      </label>
      {multiline ? <textarea rows={3} {...common} /> : <input type="text" {...common} className={error ? 'invalid' : ''} />}
      {error && (
        <div className="tw-field-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
