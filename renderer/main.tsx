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
import { createEditorStore } from './editor/editor-store';
import { getHost } from './host';

installCatalog(nodeLibrary);
const editor = createEditorStore(blankGraph());
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App services={{ host: getHost(), editor }} />
  </StrictMode>,
);
