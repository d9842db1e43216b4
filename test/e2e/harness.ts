/**
 * Drives the editor in Debian's Chromium against a browser-mode host on a
 * temporary workspace. Helpers act like a user (mouse, keyboard, drag and
 * drop) and read the result from the DOM.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../core/host/server';
import { library } from '../library';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Screenshots land here (CI keeps them as artifacts). */
export const SCREENSHOT_DIR = process.env.TENSORWEAVE_SCREENSHOTS ?? fileURLToPath(new URL('../../test-results/e2e', import.meta.url));

export interface Editor {
  server: RunningServer;
  browser: Browser;
  page: Page;
  workspace: string;
  errors: string[];
  shot(name: string): Promise<string>;
  /** A fresh page on the same host (a reload keeps the page). */
  reopen(): Promise<void>;
  close(): Promise<void>;
}

export async function launchEditor(options: { theme?: 'dark' | 'light'; viewport?: { width: number; height: number } } = {}): Promise<Editor> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'tw-e2e-'));
  const server = await startServer({ library, port: 0, workspace, runsDir: path.join(workspace, 'runs') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 }, colorScheme: options.theme ?? 'dark' });
  const errors: string[] = [];
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const editor: Editor = {
    server,
    browser,
    page: await context.newPage(),
    workspace,
    errors,
    async shot(name) {
      const file = path.join(SCREENSHOT_DIR, `${name}.png`);
      await editor.page.screenshot({ path: file });
      return file;
    },
    async reopen() {
      await editor.page.close();
      editor.page = await context.newPage();
      watch(editor.page);
      await openEditor(editor.page, server.url);
    },
    async close() {
      await browser.close();
      await server.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
  const watch = (page: Page) => {
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
  };
  watch(editor.page);
  await openEditor(editor.page, server.url);
  return editor;
}

export async function openEditor(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator('.tw-node').first().waitFor({ timeout: 20_000 });
  // The first fit happens once nodes are measured.
  await page.waitForTimeout(150);
}

export const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
export const nodeIds = (page: Page) => page.locator('.react-flow__node-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')!));
export const handle = (page: Page, nodeId: string, port: string, side: 'source' | 'target') =>
  page.locator(`.react-flow__handle[data-nodeid="${nodeId}"][data-handleid="${port}"].${side}`);
export const edgeLabel = (page: Page, from: string, fromPort: string, to: string, toPort: string) =>
  page.locator(`[data-testid="edge-label-${from}.${fromPort}->${to}.${toPort}"] text`);
export const toasts = (page: Page) => page.locator('[data-testid="toast"]');

export async function centerOf(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error(`not visible: ${locator}`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags a wire from an output to an input the way a user does. */
export async function dragWire(page: Page, from: { node: string; port: string }, to: { node: string; port: string }): Promise<void> {
  const start = await centerOf(handle(page, from.node, from.port, 'source'));
  const end = await centerOf(handle(page, to.node, to.port, 'target'));
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 6 });
  await page.mouse.move(end.x, end.y, { steps: 6 });
  await page.mouse.up();
}

/** A point on empty canvas, as a fraction of the canvas box. */
export async function canvasPoint(page: Page, fx: number, fy: number): Promise<{ x: number; y: number }> {
  const box = await page.locator('.tw-canvas').boundingBox();
  if (!box) throw new Error('canvas not visible');
  return { x: box.x + box.width * fx, y: box.y + box.height * fy };
}

/** Drags a palette entry onto the canvas (HTML5 drag and drop). */
export async function dragFromPalette(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  const pane = page.locator('.react-flow__pane');
  const box = (await pane.boundingBox())!;
  await page.locator(`[data-testid="palette-${type}"]`).dragTo(pane, { targetPosition: { x: at.x - box.x, y: at.y - box.y } });
}

export async function addBySearch(page: Page, query: string, at: { x: number; y: number }): Promise<void> {
  await page.mouse.dblclick(at.x, at.y);
  const box = page.locator('[data-testid="node-search"] input');
  await box.waitFor();
  await box.fill(query);
  await box.press('Enter');
}

/** The ids of nodes that appeared after `before`. */
export async function newIds(page: Page, before: readonly string[]): Promise<string[]> {
  const now = await nodeIds(page);
  return now.filter((id) => !before.includes(id));
}

export async function clickNode(page: Page, id: string, modifiers: ('Control' | 'Shift')[] = []): Promise<void> {
  await node(page, id).locator('.tw-node-header').click({ modifiers });
}

/** Runs `action` and returns the file the browser downloaded because of it (exports in the browser mode are downloads). */
export async function download(page: Page, action: () => Promise<unknown>): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 20_000 }), action()]);
  const where = await file.path();
  return { name: file.suggestedFilename(), bytes: readFileSync(where) };
}
