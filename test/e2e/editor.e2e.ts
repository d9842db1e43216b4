/**
 * The editor end to end, in Debian's Chromium against the browser-mode
 * host: building a graph from the palette and the search box, typed wiring,
 * params and shapes, modules, undo/redo, files, templates, recovery.
 *
 * The tests run in order on one editor, each continuing from the last, as a
 * user's session would.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addBySearch,
  canvasPoint,
  centerOf,
  clickNode,
  dragFromPalette,
  download,
  dragWire,
  edgeLabel,
  launchEditor,
  newIds,
  node,
  nodeIds,
  toasts,
  type Editor,
} from './harness';

let editor: Editor;
let conv = '';
let relu = '';

beforeAll(async () => {
  editor = await launchEditor();
});

afterAll(async () => {
  await editor?.close();
});

describe('the editor in a browser', () => {
  it('opens with the first template ready, laid out and free of errors', async () => {
    const { page } = editor;
    expect(await nodeIds(page)).toContain('data');
    await expect.poll(() => page.locator('[data-testid="error-count"]').textContent()).toBe('0 errors');
    // Every wire shows the shape it carries.
    expect(await edgeLabel(page, 'data', 'image', 'conv1', 'input').textContent()).toBe('N×48×48×3');
    await editor.shot('01-template-on-start');
  });

  it('starts a blank graph and adds nodes from the palette and from the search box', async () => {
    const { page } = editor;
    await page.locator('[data-testid="menu-file"]').click();
    await page.locator('[data-command="new"]').click();
    await expect.poll(() => nodeIds(page)).toEqual(['data', 'flatten', 'classifier', 'loss']);

    let before = await nodeIds(page);
    await dragFromPalette(page, 'conv2d', await canvasPoint(page, 0.35, 0.75));
    [conv] = await newIds(page, before);
    expect(conv).toBe('conv2d_1');
    await expect.poll(() => page.locator('[data-testid="inspector-conv2d_1"]').count()).toBe(1);

    before = await nodeIds(page);
    await addBySearch(page, 'relu', await canvasPoint(page, 0.7, 0.75));
    [relu] = await newIds(page, before);
    expect(relu).toBe('relu_1');
    await expect.poll(async () => (await node(page, relu).boundingBox())?.x ?? 0).toBeGreaterThan((await node(page, conv).boundingBox())!.x);
    await editor.shot('02-added-nodes');
  });

  it('refuses a wire between incompatible ports and says why', async () => {
    const { page } = editor;
    await dragWire(page, { node: 'data', port: 'labels' }, { node: conv, port: 'input' });
    const refusal = toasts(page).filter({ hasText: 'Cannot connect' });
    await expect.poll(() => refusal.count()).toBe(1);
    expect(await refusal.textContent()).toMatch(/accepts image \/ feature map; Dataset 'data' output 'labels' gives vector/);
    await editor.shot('03-refused-wire');
    expect(await page.locator(`[data-testid^="edge-label-data.labels->${conv}"]`).count()).toBe(0);
  });

  it('accepts valid wires, labels them with shapes and updates them when a param changes', async () => {
    const { page } = editor;
    await dragWire(page, { node: 'data', port: 'image' }, { node: conv, port: 'input' });
    await expect.poll(() => edgeLabel(page, 'data', 'image', conv, 'input').textContent()).toBe('N×32×32×3');
    await dragWire(page, { node: conv, port: 'output' }, { node: relu, port: 'input' });
    const label = edgeLabel(page, conv, 'output', relu, 'input');
    await expect.poll(() => label.textContent()).toMatch(/^N×\d+×\d+×64$/);

    await clickNode(page, conv);
    const field = page.locator('[data-testid="inspector-conv2d_1"] input[data-param="outChannels"]');
    await field.fill('8');
    await field.press('Enter');
    await expect.poll(() => label.textContent()).toMatch(/^N×\d+×\d+×8$/);
    expect(await node(page, conv).locator('.tw-node-params').textContent()).toBe('224 params');
    await editor.shot('04-param-changed-shape');
  });

  it('refuses an invalid param value with the reason, keeping the last valid one', async () => {
    const { page } = editor;
    const field = page.locator('[data-testid="inspector-conv2d_1"] input[data-param="outChannels"]');
    await field.fill('0');
    await field.press('Enter');
    await expect.poll(() => page.locator('[data-testid="param-error"]').textContent()).toBe('outChannels must be ≥ 1, got 0');
    expect(await edgeLabel(page, conv, 'output', relu, 'input').textContent()).toMatch(/×8$/);
    await editor.shot('05-param-refused');
    await field.press('Escape');
  });

  it('groups nodes into a module that collapses, expands and moves as one', async () => {
    const { page } = editor;
    await clickNode(page, conv);
    await clickNode(page, relu, ['Control']);
    await page.keyboard.press('Control+g');
    const frame = page.locator('[data-testid="module-module_1"]');
    await frame.waitFor();
    expect(await frame.locator('.tw-frame-name').textContent()).toBe('Module 1');
    await editor.shot('06-module');

    // Dragging the frame's title moves both members by the same amount.
    const convBefore = (await node(page, conv).boundingBox())!;
    const reluBefore = (await node(page, relu).boundingBox())!;
    const title = await centerOf(frame.locator('.tw-frame-name'));
    await page.mouse.move(title.x, title.y);
    await page.mouse.down();
    await page.mouse.move(title.x + 40, title.y - 60, { steps: 8 });
    await page.mouse.up();
    const convAfter = (await node(page, conv).boundingBox())!;
    const reluAfter = (await node(page, relu).boundingBox())!;
    expect(convAfter.y - convBefore.y).toBeLessThan(-20);
    expect(Math.round(reluAfter.y - reluBefore.y)).toBe(Math.round(convAfter.y - convBefore.y));
    expect(Math.round(reluAfter.x - reluBefore.x)).toBe(Math.round(convAfter.x - convBefore.x));

    // The move is one step to undo, for both nodes.
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Math.round((await node(page, conv).boundingBox())!.y)).toBe(Math.round(convBefore.y));
    expect(Math.round((await node(page, relu).boundingBox())!.y)).toBe(Math.round(reluBefore.y));

    await frame.locator('.tw-frame-toggle').click();
    await expect.poll(() => node(page, conv).isVisible()).toBe(false);
    expect(await frame.textContent()).toMatch(/2 nodes/);
    await editor.shot('07-module-collapsed');
    await frame.locator('.tw-frame-toggle').click();
    await expect.poll(() => node(page, conv).isVisible()).toBe(true);
  });

  it('undoes and redoes whole actions', async () => {
    const { page } = editor;
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    // expand, collapse, move (already undone) → next undo removes the collapse/expand, then the module.
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('[data-testid="module-module_1"]').count()).toBe(0);
    await page.keyboard.press('Control+y');
    await expect.poll(() => page.locator('[data-testid="module-module_1"]').count()).toBe(1);

    // Delete two nodes, then bring both back in one undo.
    await clickNode(page, conv);
    await clickNode(page, relu, ['Control']);
    await page.keyboard.press('Delete');
    await expect.poll(() => nodeIds(page)).toEqual(['data', 'flatten', 'classifier', 'loss']);
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await nodeIds(page)).length).toBe(6);
    expect(await edgeLabel(page, conv, 'output', relu, 'input').textContent()).toMatch(/×8$/);
  });

  it('copies and pastes, keeping incoming wires with Ctrl+Shift+V', async () => {
    const { page } = editor;
    await clickNode(page, relu);
    await page.keyboard.press('Control+c');
    const before = await nodeIds(page);
    await page.mouse.move(...(Object.values(await canvasPoint(page, 0.6, 0.3)) as [number, number]));
    await page.keyboard.press('Control+Shift+v');
    const [copy] = await newIds(page, before);
    expect(copy).toBe('relu_2');
    await expect.poll(() => edgeLabel(page, conv, 'output', copy, 'input').textContent()).toMatch(/×8$/);
    await page.keyboard.press('Control+v');
    await expect.poll(async () => (await nodeIds(page)).length).toBe(8);
    const plain = (await newIds(page, [...before, copy]))[0];
    expect(await page.locator(`[data-testid$="->${plain}.input"]`).count()).toBe(0);
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await nodeIds(page)).length).toBe(6);
  });

  it('saves under a chosen name, and a reload opens the saved graph', async () => {
    const { page } = editor;
    expect(await page.locator('[data-testid="dirty-marker"]').count()).toBe(1);
    await page.keyboard.press('Control+s');
    const name = page.locator('[data-testid="save-as"] input');
    await name.fill('e2e-net');
    await name.press('Enter');
    await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe('e2e-net.json');
    expect(await page.locator('[data-testid="dirty-marker"]').count()).toBe(0);
    const file = path.join(editor.workspace, 'e2e-net.json');
    expect(existsSync(file)).toBe(true);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    expect(saved.nodes.find((n: { id: string }) => n.id === conv).params.outChannels).toBe(8);
    expect(saved.modules.map((m: { name: string }) => m.name)).toEqual(['Module 1']);

    const ids = await nodeIds(page);
    await page.reload();
    await page.locator('.tw-node').first().waitFor();
    await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe('e2e-net.json');
    expect((await nodeIds(page)).sort()).toEqual([...ids].sort());
    expect(await page.locator('[data-testid="module-module_1"]').count()).toBe(1);
  });

  it('offers to restore unsaved work after the window was closed without saving', async () => {
    const { page } = editor;
    await clickNode(page, 'classifier');
    const field = page.locator('[data-testid="inspector-classifier"] input[data-param="outFeatures"]');
    await field.fill('5');
    await field.press('Enter');
    await page.locator('[data-testid="dirty-marker"]').waitFor();
    // The autosave is debounced; give it time to reach the host.
    await page.waitForTimeout(1800);
    await editor.reopen();
    const banner = editor.page.locator('[data-testid="recovery-banner"]');
    await banner.waitFor();
    await editor.shot('08-recovery-offer');
    await banner.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => editor.page.locator('[data-testid="dirty-marker"]').count()).toBe(1);
    await clickNode(editor.page, 'classifier');
    expect(await editor.page.locator('[data-testid="inspector-classifier"] input[data-param="outFeatures"]').inputValue()).toBe('5');
    await editor.page.keyboard.press('Control+s');
    await expect.poll(() => editor.page.locator('[data-testid="dirty-marker"]').count()).toBe(0);
  });

  it('shows a malformed file\'s errors and leaves the open graph untouched', async () => {
    const page = editor.page;
    writeFileSync(path.join(editor.workspace, 'broken.json'), '{"format": "tensorweave.graph", "version": 1, "nodes": [}');
    const ids = await nodeIds(page);
    await page.keyboard.press('Control+o');
    await page.locator('[data-testid="open-dialog"] [data-path$="broken.json"]').click();
    const dialog = page.locator('[data-testid="file-errors"]');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/not valid JSON at line 1, column 57/);
    await editor.shot('09-malformed-file');
    await dialog.getByRole('button', { name: 'OK' }).click();
    expect(await nodeIds(page)).toEqual(ids);
    expect(await page.locator('[data-testid="file-name"]').textContent()).toBe('e2e-net.json');

    // Dropping a broken file on the window is refused the same way.
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(['{"format": "something else"}'], 'dropped.json', { type: 'application/json' }));
      document.querySelector('.tw-app')!.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/dropped\.json could not be opened.*not a Tensorweave graph file/s);
    await dialog.getByRole('button', { name: 'OK' }).click();
    expect(await nodeIds(page)).toEqual(ids);
  });

  it('opens a template from the gallery as an untitled copy', async () => {
    const page = editor.page;
    await page.locator('[data-testid="menu-file"]').click();
    await page.locator('[data-command="templates"]').click();
    const gallery = page.locator('[data-testid="gallery"]');
    await gallery.waitFor();
    await expect.poll(() => gallery.locator('svg.tw-thumb').count()).toBeGreaterThanOrEqual(3);
    await editor.shot('10-gallery');
    await gallery.locator('[data-template="shapes-segmentation"]').click();
    await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe('Untitled');
    expect(await page.locator('[data-testid="dirty-marker"]').count()).toBe(0);
    await expect.poll(() => page.locator('[data-testid="error-count"]').textContent()).toBe('0 errors');
    // Only nodes in view are in the DOM; the status line counts them all.
    await expect.poll(async () => Number(/(\d+) nodes/.exec((await page.locator('[data-testid="status-bar"]').textContent()) ?? '')?.[1])).toBeGreaterThan(10);
    await editor.shot('11-template-opened');
    await page.keyboard.press('.');
    await page.waitForTimeout(300);
    await editor.shot('11b-template-fitted');
  });

  it('toggles the minimap and the theme, and shows the problems of a broken edit', async () => {
    const page = editor.page;
    expect(await page.locator('.react-flow__minimap').count()).toBe(1);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Alt+m');
    await expect.poll(() => page.locator('.react-flow__minimap').count()).toBe(0);
    await page.keyboard.press('Alt+m');
    await page.locator('[data-command="toggleTheme"]').click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');

    // Break a wire's shapes: the problem is listed, and clicking it selects the node.
    const firstConv = (await nodeIds(page)).find((id) => id.startsWith('enc') || id.includes('conv'))!;
    await clickNode(page, firstConv);
    const kernel = page.locator(`[data-testid="inspector-${firstConv}"] input[data-param="kernelSize"]`);
    await kernel.fill('31');
    await kernel.press('Enter');
    const problem = page.locator('.tw-problems-list li.error').first();
    await problem.waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await problem.click();
    const problemNode = await problem.getAttribute('data-node');
    await expect.poll(() => page.locator(`[data-testid="inspector-${problemNode}"]`).count()).toBe(1);
    await page.waitForTimeout(350);
    await expect.poll(() => node(page, problemNode!).isVisible()).toBe(true);
    await editor.shot('12-light-theme-problem');
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('[data-testid="error-count"]').textContent()).toBe('0 errors');
  });

  it('lays the graph out automatically in one undoable step and exports it as JSON, SVG and PNG', async () => {
    const page = editor.page;
    // The template opened laid out by the same engine: move a card onto its neighbour, then lay out again.
    const [firstId, secondId] = await nodeIds(page);
    const from = await centerOf(node(page, secondId).locator('.tw-node-header'));
    const to = await centerOf(node(page, firstId).locator('.tw-node-header'));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(to.x + 10, to.y + 10, { steps: 6 });
    await page.mouse.up();
    await page.locator('[data-command="autoLayout"]').click();
    await expect.poll(() => page.locator('[data-command="undo"]').isEnabled()).toBe(true);
    // The browser mode's exports download to the user's machine; nothing lands on the host.
    const json = await download(page, () => page.evaluate(() => window.tensorweaveEditor?.run('exportJson')));
    expect(json.name).toBe('shapes-segmentation-u-net.json');
    const graph = JSON.parse(json.bytes.toString('utf8'));
    // No two cards overlap after the layout.
    const boxes = Object.entries(graph.layout.nodes as Record<string, { x: number; y: number }>).map(([id, p]) => ({ id, ...p }));
    for (const a of boxes) {
      for (const b of boxes) {
        if (a.id < b.id) expect(Math.abs(a.x - b.x) >= 240 || Math.abs(a.y - b.y) >= 79, `${a.id} overlaps ${b.id}`).toBe(true);
      }
    }

    await page.locator('[data-testid="menu-file"]').click();
    const svgFile = await download(page, () => page.locator('[data-command="exportSvg"]').click());
    expect(svgFile.name).toBe('shapes-segmentation-u-net.svg');
    const svg = svgFile.bytes.toString('utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('>Dataset</text>');
    expect(svg).toContain('N×64×64×3');

    await page.locator('[data-testid="menu-file"]').click();
    const pngFile = await download(page, () => page.locator('[data-command="exportPng"]').click());
    expect(pngFile.name).toBe('shapes-segmentation-u-net.png');
    const png = pngFile.bytes;
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
    expect(existsSync(path.join(editor.workspace, 'exports'))).toBe(false);

    // Undo the layout, then the move.
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('[data-testid="dirty-marker"]').count()).toBe(0);
  });

  it('has produced no errors in the page', () => {
    expect(editor.errors).toEqual([]);
  });
});
