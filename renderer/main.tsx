/**
 * Entry point of the editor window, in Electron and in the browser mode: the
 * one renderer file that imports the node library and installs it.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import '@xyflow/react/dist/base.css';
import './styles.css';
import { nodeLibrary } from '../nodes/library';
import { App } from './app/App';
import { blankGraph } from './app/files';
import { installCatalog } from './editor/catalog';
import { createTrainingStore } from './dashboard/store';
import { createEditorStore } from './editor/editor-store';
import { createUiStore } from './editor/ui-store';
import { getHost } from './host';
import type { Services } from './services/context';

installCatalog(nodeLibrary);
// The window's stores, all made here and handed down the same way (one context).
const services: Services = {
  host: getHost(),
  editor: createEditorStore(blankGraph()),
  ui: createUiStore(),
  training: createTrainingStore(),
  pointer: { current: null },
};
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App services={services} />
  </StrictMode>,
);
