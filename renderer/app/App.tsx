/**
 * The editor window: toolbar, palette, canvas, inspector, problems and the
 * status line, wired to the host and the editor store.
 */
import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { Canvas } from '../canvas/Canvas';
import { isDirty } from '../editor/editor-store';
import { Inspector } from '../inspector/Inspector';
import { Palette } from '../palette/Palette';
import { ProblemsPanel } from '../problems/ProblemsPanel';
import { createCommands, runMenuCommand, type CommandId } from './commands';
import { ServicesContext, useEditor, useServices, useUi, type Services } from '../services/context';
import { revealNode, useCanvas } from '../services/view';
import { useTrainingStatus } from './status';
import { Dialogs } from './Dialogs';
import { FileActions } from './files';
import { installClipboard, installShortcuts } from './shortcuts';
import { Toolbar } from './Toolbar';
import { TrainingController } from '../dashboard/controller';
import { TrainingDashboard } from '../dashboard/Dashboard';

declare global {
  interface Window {
    /** For the host's native menus: runs an editor command by name. */
    tensorweaveEditor?: {
      run(command: CommandId): void;
      commands(): CommandId[];
      /** Selects a node and brings it into view (empty: clears the selection). */
      reveal(nodeId: string | null): boolean;
    };
  }
}

export function App({ services, startup = true }: { services: Services; startup?: boolean }) {
  return (
    <ServicesContext.Provider value={services}>
      <ReactFlowProvider>
        <Wiring startup={startup} />
      </ReactFlowProvider>
    </ServicesContext.Provider>
  );
}

/** Connects the window's services to the host and the canvas view; inside the providers so it can use `useReactFlow()`. */
function Wiring({ startup }: { startup: boolean }) {
  const services = useServices();
  // React Flow hands out a new instance object once its viewport is ready: read the latest when a command runs.
  const canvas = useCanvas();
  const view = useRef(canvas);
  view.current = canvas;
  const files = useMemo(() => new FileActions(services.host, services.editor, services.ui), [services]);
  const training = useMemo(
    () => new TrainingController(services.host, services.editor, services.training, services.ui, { reveal: (nodeId) => revealNode(services.editor, view.current, nodeId) }),
    [services],
  );
  const commands = useMemo(() => createCommands(services, files, training, () => view.current), [services, files, training]);

  useEffect(() => {
    if (startup) void files.startup();
    files.startAutosave();
    const stopShortcuts = installShortcuts(commands);
    const stopClipboard = installClipboard(services.editor, commands);
    const stopPush = training.attach();
    const stopMenu = services.host.onMenuCommand?.((message) => runMenuCommand(commands, files, message));
    window.tensorweaveEditor = {
      run: (id) => void commands[id]?.run(),
      commands: () => Object.keys(commands) as CommandId[],
      reveal: (nodeId) => {
        if (nodeId !== null) return revealNode(services.editor, view.current, nodeId, 0);
        services.editor.getState().select([]);
        return true;
      },
    };
    const onCommandEvent = (e: Event) => {
      const id = (e as CustomEvent<string>).detail as CommandId;
      if (commands[id]) void commands[id].run();
    };
    window.addEventListener('tensorweave:command', onCommandEvent);
    // The browser (and Electron, which asks main) warns before closing a window with unsaved changes.
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      if (!isDirty(services.editor.getState())) return;
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      files.stopAutosave();
      stopShortcuts();
      stopClipboard();
      stopPush();
      stopMenu?.();
      window.removeEventListener('tensorweave:command', onCommandEvent);
      window.removeEventListener('beforeunload', onBeforeUnload);
      delete window.tensorweaveEditor;
    };
  }, [services, files, commands, startup, training]);

  return <Shell files={files} commands={commands} training={training} />;
}

function Shell({ files, commands, training }: { files: FileActions; commands: ReturnType<typeof createCommands>; training: TrainingController }) {
  const theme = useUi((s) => s.theme);
  const fileName = useEditor((s) => s.file.name);
  const dirty = useEditor(isDirty);
  const [dropping, setDropping] = useState(false);
  useEffect(() => {
    document.title = `${dirty ? '● ' : ''}${fileName} — Tensorweave`;
  }, [fileName, dirty]);

  const onDropFile = useCallback((file: File) => void files.openDropped(file), [files]);
  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    setDropping(true);
  };
  const onDrop = (e: DragEvent) => {
    setDropping(false);
    const file = e.dataTransfer.files?.[0];
    if (!file) return;
    e.preventDefault();
    onDropFile(file);
  };

  return (
    <div className={`tw-app theme-${theme}`} onDragOver={onDragOver} onDragLeave={() => setDropping(false)} onDrop={onDrop}>
      <Toolbar commands={commands} />
      <RecoveryBanner files={files} />
      <div className="tw-main">
        <Palette />
        <div className="tw-center">
          <Canvas onDropFile={onDropFile} />
          <ProblemsPanel />
        </div>
        <Inspector />
      </div>
      <TrainingDashboard controller={training} onOpenGraph={(text, name) => files.guardUnsaved('open the run’s graph', () => void files.openText(text, { name }, { dirty: true }))} />
      <StatusBar />
      <Toasts />
      <Dialogs files={files} commands={commands} />
      {dropping && <div className="tw-drop-overlay">Drop a graph file to open it</div>}
    </div>
  );
}

function RecoveryBanner({ files }: { files: FileActions }) {
  const recovery = useUi((s) => s.recovery);
  if (!recovery) return null;
  const when = new Date(recovery.savedAt);
  return (
    <div className="tw-banner" role="alert" data-testid="recovery-banner">
      <span>
        Tensorweave closed with unsaved changes{recovery.path ? ` to ${recovery.path.split(/[\\/]/).pop()}` : ''} (autosaved {Number.isNaN(when.getTime()) ? recovery.savedAt : when.toLocaleString()}). Restore them?
      </span>
      <button className="tw-button primary" onClick={() => void files.restoreRecovery()}>
        Restore
      </button>
      <button className="tw-button" onClick={() => void files.discardRecovery()}>
        Discard
      </button>
    </div>
  );
}

function StatusBar() {
  const nodes = useEditor((s) => s.doc.nodes.length);
  const edges = useEditor((s) => s.doc.edges.length);
  const errors = useEditor((s) => s.analysis.errorCount);
  const selected = useEditor((s) => s.selectedNodes.length);
  const training = useTrainingStatus();
  const hostKind = useUi((s) => s.hostKind);
  return (
    <footer className="tw-status" data-testid="status-bar">
      <span>
        {nodes} nodes · {edges} wires{selected > 0 ? ` · ${selected} selected` : ''}
      </span>
      <span className={errors ? 'tw-status-error' : 'tw-status-ok'}>{errors ? `${errors} error${errors === 1 ? '' : 's'}` : 'ready to train'}</span>
      {training && (
        <span className={`tw-training ${training.diverged ? 'failed' : training.phase}`} data-testid="training-status">
          {training.text}
          {training.step !== undefined && training.totalSteps ? <progress max={training.totalSteps} value={training.step} /> : null}
        </span>
      )}
      <span className="tw-status-host">{hostKind === 'browser' ? 'browser mode' : hostKind === 'electron' ? 'desktop' : ''}</span>
    </footer>
  );
}

function Toasts() {
  const toasts = useUi((s) => s.toasts);
  const dismissToast = useUi((s) => s.dismissToast);
  return (
    <div className="tw-toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`tw-toast ${t.kind}`} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast" onClick={() => dismissToast(t.id)}>
          <div>{t.text}</div>
          {t.details && (
            <ul>
              {t.details.map((d, i) => (
                <li key={i}>{d}</li>
              ))}
            </ul>
          )}
        </div>
      ))}
    </div>
  );
}

