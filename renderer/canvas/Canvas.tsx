/**
 * The node canvas. React Flow draws; the editor store owns the document.
 * Changes React Flow proposes (drags, selection, measured sizes) are turned
 * into store edits, and the store's document is projected back into flow
 * nodes and edges.
 */
import {
  Background,
  BackgroundVariant,
  ConnectionMode,
  Controls,
  MiniMap,
  ReactFlow,
  useReactFlow,
  type Connection,
  type EdgeChange,
  type FinalConnectionState,
  type IsValidConnection,
  type NodeChange,
  type OnConnectStartParams,
  type ReactFlowInstance,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent } from 'react';
import type { GraphDocument, GraphEdge } from '../../core/graph/schema';
import type { OutputPorts } from '../../core/node-api';
import { useEditor, useServices, useUi } from '../services/context';
import { kindColor, nodeDef } from '../editor/catalog';
import * as edits from '../editor/edits';
import { DetailContext, LEGIBLE_ZOOM, useViewportDetail } from './detail';
import { NODE_WIDTH, nodeHeight } from './geometry';
import { ModuleFrame } from './ModuleFrame';
import { NodeCard } from './NodeCard';
import { NodeSearch } from './NodeSearch';
import { moduleIdOfFrame, Projector, type FlowEdge, type FlowNode } from './projection';
import { ShapeEdge } from './ShapeEdge';

const nodeTypes = { card: NodeCard, module: ModuleFrame };
const edgeTypes = { shape: ShapeEdge };

export const PALETTE_MIME = 'application/x-tensorweave-node';

function edgeOf(connection: Connection | { source: string; sourceHandle?: string | null; target: string; targetHandle?: string | null }): GraphEdge {
  return { from: { node: connection.source, port: connection.sourceHandle ?? '' }, to: { node: connection.target, port: connection.targetHandle ?? '' } };
}

export function Canvas({ onDropFile }: { onDropFile(file: File): void }) {
  const { editor, ui, pointer } = useServices();
  const toast = ui.getState().toast;
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const doc = useEditor((s) => s.doc);
  const analysis = useEditor((s) => s.analysis);
  const selectedNodes = useEditor((s) => s.selectedNodes);
  const selectedEdges = useEditor((s) => s.selectedEdges);
  const selectedModule = useEditor((s) => s.selectedModule);
  const loadCount = useEditor((s) => s.loadCount);
  const theme = useUi((s) => s.theme);
  const minimap = useUi((s) => s.minimap);
  const search = useUi((s) => s.search);
  const projector = useRef(new Projector()).current;
  const [measureTick, setMeasureTick] = useState(0);
  const lastNodes = useRef<FlowNode[]>([]);

  const selection = useMemo(
    () => ({ nodes: new Set(selectedNodes), edges: new Set(selectedEdges), module: selectedModule }),
    [selectedNodes, selectedEdges, selectedModule],
  );
  const nodes = useMemo(() => {
    void measureTick;
    return projector.nodes(doc, analysis, selection);
  }, [projector, doc, analysis, selection, measureTick]);
  const flowEdges = useMemo(() => projector.edges(doc, analysis, selection), [projector, doc, analysis, selection]);
  lastNodes.current = nodes;

  // A newly opened graph is shown once its nodes are measured: whole when that
  // keeps it readable, else from its inputs (the left edge) at a readable zoom.
  useEffect(() => {
    const timer = setTimeout(() => {
      showGraph(flow, editor.getState().doc);
    }, 40);
    return () => clearTimeout(timer);
  }, [loadCount, editor, flow]);

  const onNodesChange = useCallback(
    (changes: NodeChange<FlowNode>[]) => {
      const state = editor.getState();
      let measured = false;
      const positions: Record<string, edits.Position> = {};
      const frameMoves: { moduleId: string; position: edits.Position }[] = [];
      const selectChanges: { id: string; selected: boolean }[] = [];
      let flowById: Map<string, FlowNode> | undefined;
      for (const change of changes) {
        if (change.type === 'dimensions' && change.dimensions) {
          if (projector.setMeasured(change.id, change.dimensions)) measured = true;
        } else if (change.type === 'position' && change.position) {
          const moduleId = moduleIdOfFrame(change.id);
          if (moduleId) frameMoves.push({ moduleId, position: change.position });
          else {
            // Members of a frame move in its coordinates; the document keeps absolute positions.
            flowById ??= new Map(lastNodes.current.map((n) => [n.id, n]));
            const parentId = flowById.get(change.id)?.parentId;
            const parent = parentId ? flowById.get(parentId) : undefined;
            positions[change.id] = parent ? { x: change.position.x + parent.position.x, y: change.position.y + parent.position.y } : change.position;
          }
        } else if (change.type === 'select') {
          selectChanges.push({ id: change.id, selected: change.selected });
        }
      }
      // A dragged frame carries its members on screen (they are its children); the document moves them by the same amount.
      for (const move of frameMoves) {
        const frame = lastNodes.current.find((n) => n.id === `module:${move.moduleId}`);
        const module = state.doc.modules.find((m) => m.id === move.moduleId);
        if (!frame || !module) continue;
        const dx = move.position.x - frame.position.x;
        const dy = move.position.y - frame.position.y;
        for (const id of module.nodes) {
          const at = state.doc.layout.nodes[id];
          if (at && !positions[id]) positions[id] = { x: at.x + dx, y: at.y + dy };
        }
      }
      if (Object.keys(positions).length > 0) {
        if (state.dragBase) state.dragTo(positions);
        else state.moveNodes(positions);
      }
      if (selectChanges.length > 0) {
        const current = editor.getState();
        const chosen = new Set(current.selectedNodes);
        let module = current.selectedModule;
        for (const change of selectChanges) {
          const moduleId = moduleIdOfFrame(change.id);
          if (moduleId) {
            if (change.selected) module = moduleId;
            else if (module === moduleId) module = null;
          } else if (change.selected) chosen.add(change.id);
          else chosen.delete(change.id);
        }
        if (chosen.size > 0 || !module) current.select([...chosen], current.selectedEdges);
        else current.selectModule(module);
      }
      if (measured) setMeasureTick((t) => t + 1);
    },
    [editor, projector],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange<FlowEdge>[]) => {
      const current = editor.getState();
      const chosen = new Set(current.selectedEdges);
      let touched = false;
      for (const change of changes) {
        if (change.type !== 'select') continue;
        touched = true;
        if (change.selected) chosen.add(change.id);
        else chosen.delete(change.id);
      }
      if (touched) current.select(current.selectedNodes, [...chosen]);
    },
    [editor],
  );

  const isValidConnection: IsValidConnection<FlowEdge> = useCallback(
    (connection) => {
      const edge = edgeOf(connection as Connection);
      return edits.connect(editor.getState().doc, edge).ok;
    },
    [editor],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const outcome = editor.getState().connect(edgeOf(connection));
      if (!outcome.ok) toast('error', `Cannot connect: ${outcome.reason}`);
    },
    [editor, toast],
  );

  const onConnectStart = useCallback(
    (_event: unknown, params: OnConnectStartParams) => {
      if (!params.nodeId || !params.handleId || !params.handleType) return;
      const node = editor.getState().doc.nodes.find((n) => n.id === params.nodeId);
      if (!node) return;
      ui.setState({ connecting: { nodeId: params.nodeId, nodeType: node.type, port: params.handleId, side: params.handleType } });
    },
    [editor, ui],
  );

  const onConnectEnd = useCallback(
    (event: MouseEvent | TouchEvent, state: FinalConnectionState) => {
      const connecting = ui.getState().connecting;
      ui.setState({ connecting: null });
      if (!state.fromHandle || !connecting) return;
      if (state.toHandle && state.isValid === false) {
        // Say why the drop was refused, in the engine's words.
        const [source, target] = state.fromHandle.type === 'source' || state.toHandle.type === 'target' ? [state.fromHandle, state.toHandle] : [state.toHandle, state.fromHandle];
        const outcome = edits.connect(editor.getState().doc, {
          from: { node: source.nodeId, port: source.id ?? '' },
          to: { node: target.nodeId, port: target.id ?? '' },
        });
        if (!outcome.ok) toast('error', `Cannot connect: ${outcome.reason}`);
        return;
      }
      if (!state.toHandle && !state.toNode && state.isValid === null) {
        // A wire dropped on empty canvas: offer the nodes that can take it, as ComfyUI does.
        const point = 'changedTouches' in event ? event.changedTouches[0] : event;
        if (!point) return;
        const target = (event.target as Element | null)?.closest?.('.react-flow__pane');
        if (!target) return;
        ui.setState({
          search: {
            screen: { x: point.clientX, y: point.clientY },
            flow: flow.screenToFlowPosition({ x: point.clientX, y: point.clientY }),
            pending: connecting,
          },
        });
      }
    },
    [editor, ui, flow, toast],
  );

  const onDragOver = useCallback((event: DragEvent) => {
    if (event.dataTransfer.types.includes(PALETTE_MIME) || event.dataTransfer.types.includes('Files')) {
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    }
  }, []);

  const onDrop = useCallback(
    (event: DragEvent) => {
      const type = event.dataTransfer.getData(PALETTE_MIME);
      if (type) {
        event.preventDefault();
        event.stopPropagation();
        const at = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
        editor.getState().addNode(type, { x: at.x - NODE_WIDTH / 2, y: at.y - 17 });
        return;
      }
      const file = event.dataTransfer.files?.[0];
      if (file) {
        event.preventDefault();
        event.stopPropagation();
        onDropFile(file);
      }
    },
    [editor, onDropFile, flow],
  );

  const onDoubleClick = useCallback((event: ReactMouseEvent) => {
    if (!(event.target as Element).classList.contains('react-flow__pane')) return;
    ui.setState({
      search: { screen: { x: event.clientX, y: event.clientY }, flow: flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }) },
    });
  }, [ui, flow]);

  const onPointerMove = useCallback((event: ReactMouseEvent) => {
    pointer.current = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
  }, [pointer, flow]);

  // The detail level is also an attribute of the canvas so that frames and CSS follow the cards.
  const detail = useViewportDetail();

  const beginDrag = useCallback(() => editor.getState().beginDrag(), [editor]);
  const endDrag = useCallback(() => editor.getState().endDrag(), [editor]);

  return (
    <div className="tw-canvas" data-detail={detail} onKeyDown={tabNodesBeforeWires} onDoubleClick={onDoubleClick} onPointerMove={onPointerMove} onPointerLeave={() => (pointer.current = null)} data-testid="canvas">
      <DetailContext.Provider value={detail}>
        <ReactFlow<FlowNode, FlowEdge>
          nodes={nodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          edgeTypes={edgeTypes}
          onNodesChange={onNodesChange}
          onEdgesChange={onEdgesChange}
          onConnect={onConnect}
          onConnectStart={onConnectStart}
          onConnectEnd={onConnectEnd}
          isValidConnection={isValidConnection}
          onNodeDragStart={beginDrag}
          onNodeDragStop={endDrag}
          onSelectionDragStart={beginDrag}
          onSelectionDragStop={endDrag}
          onDragOver={onDragOver}
          onDrop={onDrop}
          connectionMode={ConnectionMode.Strict}
          connectionRadius={24}
          deleteKeyCode={null}
          selectionKeyCode="Shift"
          multiSelectionKeyCode={['Control', 'Meta']}
          zoomOnDoubleClick={false}
          colorMode={theme}
          minZoom={0.05}
          maxZoom={2.5}
          onlyRenderVisibleElements
          elevateNodesOnSelect={false}
          proOptions={{ hideAttribution: true }}
          fitView
        >
          <Background variant={BackgroundVariant.Dots} gap={22} size={1.4} />
          <Controls showInteractive={false} position="bottom-left" />
          {minimap && (
            <MiniMap<FlowNode>
              pannable
              zoomable
              position="bottom-right"
              nodeColor={(n) => (n.type === 'module' ? 'transparent' : kindColor(firstOutputKind(n)))}
              nodeStrokeWidth={3}
              ariaLabel="Minimap"
            />
          )}
        </ReactFlow>
      </DetailContext.Provider>
      {search && <NodeSearch state={search} />}
    </div>
  );
}

/**
 * Tab visits the nodes first, then the wires. React Flow puts the wires
 * before the nodes in the page, so wires are out of the Tab order
 * (tabIndex -1) and this handler steps into them after the last node, and
 * through them; past the last wire Tab leaves the canvas as it would from the
 * last node.
 */
function tabNodesBeforeWires(event: ReactKeyboardEvent<HTMLDivElement>): void {
  if (event.key !== 'Tab' || event.altKey || event.ctrlKey || event.metaKey) return;
  const here = event.target as Element;
  const canvas = event.currentTarget;
  const nodes = [...canvas.querySelectorAll<HTMLElement>('.react-flow__node[tabindex="0"]')];
  const wires = [...canvas.querySelectorAll<SVGElement>('.react-flow__edge[tabindex]')];
  if (wires.length === 0 || nodes.length === 0) return;
  const lastNode = nodes[nodes.length - 1];
  const wire = wires.indexOf(here as SVGElement);
  if (!event.shiftKey) {
    if (here === lastNode) {
      event.preventDefault();
      wires[0].focus();
    } else if (wire >= 0 && wire < wires.length - 1) {
      event.preventDefault();
      wires[wire + 1].focus();
    } else if (wire === wires.length - 1) {
      // Focus the last node and let the browser move on from there.
      lastNode.focus({ preventScroll: true });
    }
  } else if (wire > 0) {
    event.preventDefault();
    wires[wire - 1].focus();
  } else if (wire === 0) {
    event.preventDefault();
    lastNode.focus();
  }
}

/** Room left around a fitted graph, as a fraction of its size. */
const FIT_PADDING = 0.08;

/**
 * Shows a newly opened graph: whole, when that keeps its text legible
 * (zoom ≥ LEGIBLE_ZOOM); else at the legible zoom from its inputs end (the
 * left edge, vertically where the first nodes are), with the minimap showing
 * the rest.
 */
function showGraph(instance: ReactFlowInstance<FlowNode, FlowEdge>, doc: GraphDocument): void {
  const box = document.querySelector('.tw-canvas')?.getBoundingClientRect();
  const placed = doc.nodes.flatMap((n) => {
    const at = doc.layout.nodes[n.id];
    return at ? [{ ...at, h: nodeHeight(nodeDef(n.type)) }] : [];
  });
  if (!box || placed.length === 0) {
    void instance.fitView({ padding: FIT_PADDING, maxZoom: 1 });
    return;
  }
  const x0 = Math.min(...placed.map((p) => p.x));
  const x1 = Math.max(...placed.map((p) => p.x)) + NODE_WIDTH;
  const y0 = Math.min(...placed.map((p) => p.y)) - 60; // room for frame titles
  const y1 = Math.max(...placed.map((p) => p.y + p.h));
  const fit = Math.min(box.width / ((x1 - x0) * (1 + 2 * FIT_PADDING)), box.height / ((y1 - y0) * (1 + 2 * FIT_PADDING)), 1);
  if (fit >= LEGIBLE_ZOOM) {
    void instance.setViewport({ x: box.width / 2 - ((x0 + x1) / 2) * fit, y: box.height / 2 - ((y0 + y1) / 2) * fit, zoom: fit });
    return;
  }
  const zoom = LEGIBLE_ZOOM;
  // Vertically: the whole height when it fits, else centred on the leftmost column (the inputs).
  let centreY = (y0 + y1) / 2;
  if ((y1 - y0) * zoom > box.height) {
    const first = placed.filter((p) => p.x < x0 + NODE_WIDTH);
    const top = Math.min(...first.map((p) => p.y)) - 60;
    const bottom = Math.max(...first.map((p) => p.y + p.h));
    centreY = Math.max(y0 + box.height / 2 / zoom, Math.min((top + bottom) / 2, y1 - box.height / 2 / zoom));
  }
  void instance.setViewport({ x: 24 - x0 * zoom, y: box.height / 2 - centreY * zoom, zoom });
}

function firstOutputKind(node: FlowNode) {
  if (node.type !== 'card') return undefined;
  const def = nodeDef(node.data.node.type);
  const first = def ? Object.values(def.outputs as OutputPorts)[0] : undefined;
  return first?.kind;
}
