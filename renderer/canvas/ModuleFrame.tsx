/**
 * A module on the canvas: a named frame behind its nodes that drags them
 * along, or, collapsed, one compact card whose wires stand for all the wires
 * crossing the module's boundary.
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo, useState } from 'react';
import { useServices } from '../services/context';
import { formatCount } from '../editor/param-count';
import type { FrameNode } from './projection';

export const ModuleFrame = memo(function ModuleFrame({ data, selected }: NodeProps<FrameNode>) {
  const { editor } = useServices();
  const { module, collapsed, errorCount, parameters } = data;
  const [editing, setEditing] = useState(false);

  const title = editing ? (
    <input
      className="tw-frame-rename nodrag"
      autoFocus
      defaultValue={module.name}
      aria-label="Module name"
      onKeyDown={(e) => {
        e.stopPropagation();
        if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
        if (e.key === 'Escape') setEditing(false);
      }}
      onBlur={(e) => {
        editor.getState().renameModule(module.id, e.target.value);
        setEditing(false);
      }}
    />
  ) : (
    <span className="tw-frame-name" onDoubleClick={() => setEditing(true)} title="Double-click to rename">
      {module.name}
      {module.frozen && (
        <span className="tw-frame-frozen" data-testid="frozen-mark" title="Frozen: no optimizer updates this module; its weights keep their values">
          {' ❄ frozen'}
        </span>
      )}
    </span>
  );

  const toggle = (
    <button
      className="tw-frame-toggle nodrag"
      title={collapsed ? 'Expand module' : 'Collapse module'}
      aria-label={collapsed ? 'Expand module' : 'Collapse module'}
      onClick={(e) => {
        e.stopPropagation();
        editor.getState().setModuleCollapsed(module.id, !collapsed);
      }}
    >
      {collapsed ? '▸' : '▾'}
    </button>
  );

  if (collapsed) {
    return (
      <div className={`tw-module collapsed${selected ? ' selected' : ''}`} data-testid={`module-${module.id}`} data-module-id={module.id}>
        <div className="tw-frame-header">
          {toggle}
          {title}
          {errorCount > 0 && <span className="tw-badge error">{errorCount}</span>}
        </div>
        <div className="tw-module-body">
          <Handle type="target" position={Position.Left} id="in" className="tw-handle module-handle" isConnectable={false} />
          <span>
            {module.nodes.length} node{module.nodes.length === 1 ? '' : 's'}
            {parameters > 0 ? ` · ${formatCount(parameters)} params` : ''}
            {module.init === 'normal0.02' ? ' · N(0, 0.02) init' : ''}
          </span>
          <Handle type="source" position={Position.Right} id="out" className="tw-handle module-handle" isConnectable={false} />
        </div>
      </div>
    );
  }
  return (
    <div className={`tw-frame${selected ? ' selected' : ''}`} data-testid={`module-${module.id}`} data-module-id={module.id}>
      <div className="tw-frame-header">
        {toggle}
        {title}
        <span className="tw-frame-count">
          {module.nodes.length} node{module.nodes.length === 1 ? '' : 's'}
        </span>
        {errorCount > 0 && <span className="tw-badge error">{errorCount}</span>}
      </div>
    </div>
  );
});
