/**
 * Where exported files go. The browser mode's host may run on another
 * machine (a lab server), so there an export is a browser download, landing
 * with the user; in Electron the host shows the native save dialog.
 */
import type { HostApi } from '../../core/contract/app-api';
import type { UiStore } from '../editor/ui-store';

const MIME: Record<string, string> = {
  json: 'application/json',
  png: 'image/png',
  svg: 'image/svg+xml',
  csv: 'text/csv',
};

function bytesOf(data: string, encoding: 'utf8' | 'base64'): BlobPart {
  if (encoding === 'utf8') return data;
  const binary = atob(data);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Hands `data` to the browser as a download named `name` (an anchor with a Blob URL). */
export function downloadInBrowser(name: string, data: string, encoding: 'utf8' | 'base64'): void {
  const extension = name.split('.').pop()?.toLowerCase() ?? '';
  const url = URL.createObjectURL(new Blob([bytesOf(data, encoding)], { type: MIME[extension] ?? 'application/octet-stream' }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.style.display = 'none';
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  // The download has started by now; the URL only has to outlive the click.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Exports a file: a download in the browser mode, the host's save dialog in
 * Electron. Says where it went, or why it could not; returns whether it did.
 */
export async function deliverFile(host: HostApi, ui: UiStore, suggestedName: string, data: string, encoding: 'utf8' | 'base64'): Promise<boolean> {
  const { toast, hostKind } = ui.getState();
  try {
    if (hostKind !== 'electron') {
      downloadInBrowser(suggestedName, data, encoding);
      toast('success', `Downloaded ${suggestedName}`);
      return true;
    }
    const result = await host.exportFile({ suggestedName, data, encoding });
    if ('canceled' in result) return false;
    toast('success', `Exported ${result.path}`);
    return true;
  } catch (thrown) {
    toast('error', `Could not export ${suggestedName}: ${thrown instanceof Error ? thrown.message : String(thrown)}`);
    return false;
  }
}
