/**
 * One node on the canvas: title, ports coloured by kind with the shape each
 * output carries, parameter count and an error badge. While a wire is being
 * dragged, ports that could not take it fade out.
 */
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { canConnect } from '../../core/graph/connect';
import type { InputPortDef, OutputPortDef } from '../../core/node-api';
import { formatValueType, PORT_KINDS, type PortKind, type ValueType } from '../../core/types';
import { useUi } from '../services/context';
import { kindColor, registries } from '../editor/catalog';
import { formatCount, trainableParameterCount } from '../editor/param-count';
import { NodePreviewPeek, useNodeTrainingClass } from '../dashboard/NodeTraining';
import type { CardNode } from './projection';
import { useDetail, type Detail } from './detail';

export const NodeCard = memo(function NodeCard(props: NodeProps<CardNode>) {
  const detail = useDetail();
  return detail === 'full' ? <FullCard {...props} /> : detail === 'compact' ? <CompactCard {...props} /> : <BlockCard {...props} detail={detail} />;
});

/** A compact block still shows training state (pictured, pointed at) and peeks at the node's latest pictures. */
function CompactCard(props: NodeProps<CardNode>) {
  const trainingClass = useNodeTrainingClass(props.data.node.id);
  return <BlockCard {...props} detail="compact" trainingClass={trainingClass} />;
}

/**
 * The card zoomed out: same size, ports and colours, so wires stay put. A
 * compact block keeps what identifies the node (its label or type, and the
 * shape it outputs) in type large enough to read at that zoom; a sketch, at
 * the farthest zoom, has no text and draws a thousand nodes in a fraction of
 * the time.
 */
function BlockCard({ data, selected, detail, trainingClass }: NodeProps<CardNode> & { detail: Detail; trainingClass?: string }) {
  const { node, def, inferred, problems, moduleName } = data;
  const inputs = def ? (Object.entries(def.inputs) as [string, InputPortDef][]) : [];
  const outputs = def ? (Object.entries(def.outputs) as [string, OutputPortDef][]) : [];
  const rows = Math.max(1, inputs.length, outputs.length);
  const errors = problems?.filter((p) => p.severity === 'error').length ?? 0;
  const typeTitle = def?.title ?? node.type;
  const mainOutput = outputs.length === 1 ? inferred?.outputs[outputs[0][0]] : undefined;
  const params = def ? trainableParameterCount(node, inferred) : undefined;
  const shape = mainOutput ? formatValueType(mainOutput) : outputs.length > 1 ? `${outputs.length} outputs` : moduleName ? `⧉ ${moduleName}` : '';
  return (
    <div
      className={`tw-node ${detail}${selected ? ' selected' : ''}${errors ? ' has-error' : ''}${trainingClass ? ` ${trainingClass}` : ''}`}
      data-node-id={node.id}
      data-category={def?.category ?? 'unknown'}
      data-testid={`node-${node.id}`}
      title={detail === 'compact' ? `${node.label || typeTitle} (${node.id})` : undefined}
    >
      <div className="tw-node-header" />
      <div className="tw-node-body" style={{ height: rows * 22 + 12 }}>
        {inputs.map(([port, spec], i) => (
          <Handle key={`i${port}`} type="target" position={Position.Left} id={port} className="tw-handle" style={{ top: 6 + i * 22 + 11, background: kindColor(spec.kinds[0] as PortKind) }} />
        ))}
        {outputs.map(([port, spec], i) => (
          <Handle key={`o${port}`} type="source" position={Position.Right} id={port} className="tw-handle" style={{ top: 6 + i * 22 + 11, background: kindColor(spec.kind as PortKind) }} />
        ))}
      </div>
      <div className="tw-node-footer" />
      {detail === 'compact' && <NodePreviewPeek nodeId={node.id} />}
      {detail === 'compact' && (
        <div className="tw-node-block" data-testid="node-block">
          <span className="tw-block-title">
            {errors > 0 && <span className="tw-block-error">{errors}</span>}
            {node.label || typeTitle}
          </span>
          <span className="tw-block-type">{node.label ? typeTitle : node.id}</span>
          <span className="tw-block-shape">
            {shape}
            {params !== undefined && params > 0 && <span className="tw-node-params">{formatCount(params)} params</span>}
          </span>
        </div>
      )}
    </div>
  );
}

function FullCard({ data, selected }: NodeProps<CardNode>) {
  const { node, def, inferred, problems, moduleName } = data;
  const errors = problems?.filter((p) => p.severity === 'error') ?? [];
  const warnings = problems?.filter((p) => p.severity === 'warning') ?? [];
  const inputs = def ? (Object.entries(def.inputs) as [string, InputPortDef][]) : [];
  const outputs = def ? (Object.entries(def.outputs) as [string, OutputPortDef][]) : [];
  const rows = Math.max(1, inputs.length, outputs.length);
  const params = def ? trainableParameterCount(node, inferred) : undefined;
  const mainOutput = outputs.length === 1 ? inferred?.outputs[outputs[0][0]] : undefined;
  const title = node.label || def?.title || node.type;
  const badgeText = [...errors, ...warnings].map((p) => p.message).join('\n\n');
  const trainingClass = useNodeTrainingClass(node.id);

  return (
    <div
      className={`tw-node${selected ? ' selected' : ''}${errors.length ? ' has-error' : ''}${trainingClass ? ` ${trainingClass}` : ''}`}
      data-node-id={node.id}
      data-category={def?.category ?? 'unknown'}
      data-testid={`node-${node.id}`}
    >
      <div className="tw-node-header" title={def?.doc ?? `Unknown node type '${node.type}'`}>
        <span className="tw-node-title">{title}</span>
        <span className="tw-node-id">{node.id}</span>
        {errors.length + warnings.length > 0 && (
          <span className={`tw-badge ${errors.length ? 'error' : 'warning'}`} title={badgeText} data-testid="node-badge">
            {errors.length || warnings.length}
          </span>
        )}
      </div>
      <div className="tw-node-body">
        {/* Single-output nodes show their shape in the footer; several outputs show theirs on each port. */}
        {Array.from({ length: rows }, (_, i) => {
          const input = inputs[i];
          const output = outputs[i];
          return (
            <div className="tw-port-row" key={i}>
              {input && <InputPort nodeId={node.id} nodeType={node.type} name={input[0]} spec={input[1]} type={inferred?.inputs[input[0]]} />}
              {output ? (
                <OutputPort
                  nodeId={node.id}
                  nodeType={node.type}
                  name={output[0]}
                  spec={output[1]}
                  type={inferred?.outputs[output[0]]}
                  missing={inferred !== undefined && !inferred.error && inferred.outputs[output[0]] === undefined}
                  wide={!input}
                  showShape={outputs.length > 1}
                />
              ) : (
                <span />
              )}
            </div>
          );
        })}
      </div>
      <NodePreviewPeek nodeId={node.id} />
      <div className="tw-node-footer">
        <span className="tw-node-shape" title="Output shape">
          {mainOutput ? `→ ${formatValueType(mainOutput)}` : moduleName ? `⧉ ${moduleName}` : def ? (outputs.length > 1 ? `${outputs.length} outputs` : '') : 'unknown type'}
        </span>
        {params !== undefined && params > 0 && (
          <span className="tw-node-params" title={`${params.toLocaleString('en-US')} trainable parameters`}>
            {formatCount(params)} params
          </span>
        )}
      </div>
    </div>
  );
}

interface PortProps {
  nodeId: string;
  nodeType: string;
  name: string;
  type: ValueType | undefined;
}

function InputPort({ nodeId, nodeType, name, spec, type }: PortProps & { spec: InputPortDef }) {
  const state = usePortState(nodeId, nodeType, name, 'target');
  const kind = spec.kinds[0] as PortKind;
  return (
    <span
      className={`tw-port in ${state}`}
      title={`${name}: ${spec.kinds.map((k) => PORT_KINDS[k as PortKind].title).join(' or ')}${spec.optional ? ' (optional)' : ''}\n${spec.doc}${type ? `\nreceives ${formatValueType(type)}` : ''}`}
    >
      <Handle type="target" position={Position.Left} id={name} className="tw-handle" style={{ background: kindColor(kind) }} data-port={name} />
      <span className="tw-port-name">
        {name}
        {spec.optional ? <span className="tw-optional">?</span> : null}
      </span>
    </span>
  );
}

function OutputPort({ nodeId, nodeType, name, spec, type, missing, wide, showShape }: PortProps & { spec: OutputPortDef; missing: boolean; wide: boolean; showShape: boolean }) {
  const state = usePortState(nodeId, nodeType, name, 'source');
  const kind = spec.kind as PortKind;
  return (
    <span
      className={`tw-port out ${state}${missing ? ' missing' : ''}${wide ? ' wide' : ''}`}
      title={`${name}: ${PORT_KINDS[kind].title}\n${spec.doc}${type ? `\ngives ${formatValueType(type)}` : missing ? '\nnot produced with the current settings' : ''}`}
    >
      {showShape && <span className="tw-port-shape">{type ? formatValueType(type) : ''}</span>}
      <span className="tw-port-name">{name}</span>
      <Handle type="source" position={Position.Right} id={name} className="tw-handle" style={{ background: kindColor(kind) }} data-port={name} />
    </span>
  );
}

/** '' normally; 'compatible' or 'incompatible' while a wire is dragged from another port. */
function usePortState(nodeId: string, nodeType: string, port: string, side: 'source' | 'target'): string {
  return useUi((s) => {
    const c = s.connecting;
    if (!c) return '';
    if (c.nodeId === nodeId && c.port === port && c.side === side) return 'origin';
    if (c.side === side || c.nodeId === nodeId) return 'incompatible';
    const verdict =
      side === 'target'
        ? canConnect({ node: c.nodeType, port: c.port }, { node: nodeType, port }, registries)
        : canConnect({ node: nodeType, port }, { node: c.nodeType, port: c.port }, registries);
    return verdict.ok ? 'compatible' : 'incompatible';
  });
}
