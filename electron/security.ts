/**
 * The window's security settings and the app:// scheme's mapping to files,
 * kept apart from main.ts so tests can check them without Electron running.
 */
import { staticFileFor } from '../core/host/static-files';

export { contentTypeFor } from '../core/host/static-files';

export const APP_SCHEME = 'app';
export const APP_HOST = 'tensorweave';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Node stays out of the page; only the preload's bridge crosses. */
export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  // A file dropped on the window goes to the editor (which opens it as a graph) instead of replacing the page.
  navigateOnDragDrop: false,
  spellcheck: false,
} as const;

export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The built editor's file for an app:// URL, or undefined for any URL that is not ours or points outside the folder. */
export function rendererFileFor(url: string, rendererDir: string): string | undefined {
  if (!isAppUrl(url)) return undefined;
  return staticFileFor(new URL(url).pathname, rendererDir);
}
