/**
 * The editor as a daily tool (#11), end to end in Debian's Chromium against
 * the browser-mode host: deletions that never strand the graph, saves that
 * never overwrite silently, exports that download to the user, a keyboard
 * path for the palette, search, menus, canvas and param docs, plot colours
 * that follow the theme, and cues that say honestly what state the graph and
 * the run are in.
 *
 * The tests run in order on one editor, each continuing from the last.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraph } from '../../core/graph/serialize';
import { tinyRegressor } from '../core/train/helpers';
import { addBySearch, canvasPoint, clickNode, download, dragWire, launchEditor, newIds, nodeIds, toasts, type Editor } from './harness';

let editor: Editor;

const statusBar = () => editor.page.locator('[data-testid="status-bar"]').textContent();
const errorCount = () => editor.page.locator('[data-testid="error-count"]').textContent();
const problemCodes = () => editor.page.locator('[data-testid="problems-panel"] li[data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
const activeElement = () =>
  editor.page.evaluate(() => {
    const el = document.activeElement;
    return { testId: el?.getAttribute('data-testid') ?? null, command: el?.getAttribute('data-command') ?? null, id: el?.getAttribute('data-id') ?? null, classes: el?.getAttribute('class') ?? '' };
  });

async function newBlankGraph(): Promise<void> {
  const { page } = editor;
  await page.locator('[data-testid="menu-file"]').click();
  await page.locator('[data-command="new"]').click();
  const discard = page.locator('[data-testid="confirm-discard"]');
  if (await discard.count()) await discard.getByRole('button', { name: 'Discard changes' }).click();
  await expect.poll(() => nodeIds(page)).toEqual(['data', 'flatten', 'classifier', 'loss']);
}

/** Clicks empty canvas, so nothing is selected and the inspector shows the graph's settings. */
async function selectNothing(): Promise<void> {
  const at = await canvasPoint(editor.page, 0.5, 0.08);
  await editor.page.mouse.click(at.x, at.y);
  await editor.page.locator('[data-testid="graph-settings"]').waitFor();
}

async function openWorkspaceFile(name: string): Promise<void> {
  const { page } = editor;
  await page.keyboard.press('Control+o');
  const discard = page.locator('[data-testid="confirm-discard"]');
  const open = page.locator(`[data-testid="open-dialog"] [data-path$="${name}"]`);
  await expect.poll(async () => (await discard.count()) + (await open.count())).toBeGreaterThan(0);
  if (await discard.count()) await discard.getByRole('button', { name: 'Discard changes' }).click();
  await open.click();
  await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe(name);
}

async function saveAs(name: string): Promise<void> {
  const { page } = editor;
  await page.keyboard.press('Control+Shift+s');
  const input = page.locator('[data-testid="save-as"] input');
  await input.fill(name);
  await input.press('Enter');
}

beforeAll(async () => {
  editor = await launchEditor();
});

afterAll(async () => {
  await editor?.close();
});

describe('blockers', () => {
  it('deleting the loss node cleans the optimizer in one undo step, and says honestly that the graph cannot train', async () => {
    const { page } = editor;
    await newBlankGraph();
    await expect.poll(statusBar).toContain('ready to train');
    await clickNode(page, 'loss');
    await page.keyboard.press('Delete');
    await expect.poll(() => nodeIds(page)).toEqual(['data', 'flatten', 'classifier']);
    // The optimizer no longer names the deleted node; it is told to pick a loss instead.
    await expect.poll(problemCodes).toEqual(['optimizer-no-loss']);
    expect(await page.locator('[data-testid="problems-panel"] li[data-code="optimizer-no-loss"]').textContent()).toContain("optimizer 'adam' minimises no loss");
    // Honest cues: neither the status line nor the training panel says ready.
    expect(await statusBar()).toContain('1 error');
    expect(await statusBar()).not.toMatch(/ready/i);
    expect(await page.locator('[data-testid="train-progress"]').textContent()).toBe('Not ready: fix the 1 error in the Problems panel, then press Run');
    await selectNothing();
    expect(await page.locator('[data-testid="losses-adam"]').textContent()).toContain('Minimises no loss yet');
    await editor.shot('daily-01-loss-deleted');

    // One undo brings back the node, its wires and its loss term.
    await page.keyboard.press('Control+z');
    await expect.poll(() => nodeIds(page)).toEqual(['data', 'flatten', 'classifier', 'loss']);
    await expect.poll(errorCount).toBe('0 errors');
    expect(await page.locator('[data-testid="losses-adam"] [data-loss="loss"]').count()).toBe(1);
    await page.keyboard.press('Control+y');
    await expect.poll(errorCount).toBe('1 error');
  });

  it('edits the optimizer\'s losses in the inspector: add another loss, reweight it, remove it', async () => {
    const { page } = editor;
    const before = await nodeIds(page);
    await addBySearch(page, 'BCE with logits', await canvasPoint(page, 0.6, 0.7));
    const [bce] = await newIds(page, before);
    expect(bce).toBe('loss_bce_logits_1');
    await dragWire(page, { node: 'classifier', port: 'output' }, { node: bce, port: 'input' });
    await dragWire(page, { node: 'data', port: 'labels' }, { node: bce, port: 'target' });
    await selectNothing();
    const losses = page.locator('[data-testid="losses-adam"]');
    await page.locator('[data-testid="add-loss-adam"]').selectOption(bce);
    await expect.poll(() => losses.locator(`[data-loss="${bce}"]`).count()).toBe(1);
    await expect.poll(errorCount).toBe('0 errors');
    await expect.poll(statusBar).toContain('ready to train');

    const weight = losses.locator(`[data-loss="${bce}"] input`);
    await weight.fill('2.5');
    await weight.press('Enter');
    await page.keyboard.press('Control+s');
    // (The graph has no file yet: Save asks for a name; the weight is checked in the saved file.)
    const name = page.locator('[data-testid="save-as"] input');
    await name.fill('losses.json');
    await name.press('Enter');
    await expect.poll(() => existsSync(path.join(editor.workspace, 'losses.json'))).toBe(true);
    const saved = JSON.parse(readFileSync(path.join(editor.workspace, 'losses.json'), 'utf8'));
    expect(saved.training.optimizers[0].losses).toEqual([{ node: bce, weight: 2.5 }]);

    await losses.getByRole('button', { name: `Remove loss ${bce} from adam` }).click();
    await expect.poll(() => losses.locator('[data-loss]').count()).toBe(0);
    await expect.poll(errorCount).toBe('1 error');
    await page.keyboard.press('Control+z');
    await expect.poll(errorCount).toBe('0 errors');
    await editor.shot('daily-02-losses-edited');
  });

  it('asks before Save As replaces a file, and can save under a free name instead', async () => {
    const { page } = editor;
    const first = readFileSync(path.join(editor.workspace, 'losses.json'), 'utf8');
    await newBlankGraph();
    await saveAs('losses.json');
    const confirm = page.locator('[data-testid="confirm-overwrite"]');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain('already has a file named losses.json');
    await editor.shot('daily-03-confirm-overwrite');
    await confirm.locator('[data-testid="save-free-name"]').click();
    await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe('losses-2.json');
    expect(readFileSync(path.join(editor.workspace, 'losses.json'), 'utf8')).toBe(first);
    expect(existsSync(path.join(editor.workspace, 'losses-2.json'))).toBe(true);

    // Replacing is an explicit choice.
    await saveAs('losses.json');
    await confirm.locator('[data-testid="replace-file"]').click();
    await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe('losses.json');
    expect(readFileSync(path.join(editor.workspace, 'losses.json'), 'utf8')).toBe(readFileSync(path.join(editor.workspace, 'losses-2.json'), 'utf8'));
  });

  it('proposes an imported file\'s own name on Ctrl+S, and downloads it to this computer on request', async () => {
    const { page } = editor;
    await page.keyboard.press('Control+o');
    await page.locator('[data-testid="open-dialog"] input[type="file"]').setInputFiles({
      name: 'my-import.json',
      mimeType: 'application/json',
      buffer: Buffer.from(serializeGraph(tinyRegressor())),
    });
    await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe('my-import.json');
    await page.keyboard.press('Control+s');
    const name = page.locator('[data-testid="save-as"] input');
    // Not 'tiny-regressor.json' (the graph's name) nor another file's.
    await expect.poll(() => name.inputValue()).toBe('my-import.json');
    const file = await download(page, () => page.locator('[data-testid="download-graph"]').click());
    expect(file.name).toBe('my-import.json');
    expect(JSON.parse(file.bytes.toString('utf8')).name).toBe('tiny regressor');
    expect(existsSync(path.join(editor.workspace, 'my-import.json'))).toBe(false);
  });

  it('downloads exported JSON, SVG and PNG through the browser, writing nothing on the host', async () => {
    const { page } = editor;
    for (const [command, name, check] of [
      // Named after the open file (the import above).
      ['exportJson', 'my-import.json', (b: Buffer) => JSON.parse(b.toString('utf8')).format === 'tensorweave.graph'],
      ['exportSvg', 'my-import.svg', (b: Buffer) => b.toString('utf8').startsWith('<svg')],
      ['exportPng', 'my-import.png', (b: Buffer) => b.subarray(1, 4).toString('ascii') === 'PNG'],
    ] as const) {
      await page.locator('[data-testid="menu-file"]').click();
      const file = await download(page, () => page.locator(`[data-command="${command}"]`).click());
      expect(file.name).toBe(name);
      expect(check(file.bytes)).toBe(true);
    }
    expect(existsSync(path.join(editor.workspace, 'exports'))).toBe(false);
    await expect.poll(() => toasts(page).filter({ hasText: 'Downloaded my-import.png' }).count()).toBe(1);
  });
});

describe('keyboard and accessibility', () => {
  it('adds a node from a focused palette entry with Enter, and from the palette search with the arrows and Enter', async () => {
    const { page } = editor;
    await newBlankGraph();
    const entry = page.locator('[data-testid="palette-relu"]');
    expect(await entry.getAttribute('tabindex')).toBe('0');
    await entry.focus();
    expect((await activeElement()).testId).toBe('palette-relu');
    let before = await nodeIds(page);
    await page.keyboard.press('Enter');
    await expect.poll(async () => newIds(page, before)).toEqual(['relu_1']);

    const search = page.locator('[data-testid="palette-search"]');
    await search.fill('conv');
    await search.press('ArrowDown');
    const highlighted = await page.locator('.tw-palette-item.active').getAttribute('data-type');
    expect(highlighted).toBeTruthy();
    before = await nodeIds(page);
    await search.press('Enter');
    const [added] = await (async () => {
      await expect.poll(async () => (await newIds(page, before)).length).toBe(1);
      return newIds(page, before);
    })();
    expect(added.startsWith(`${highlighted!.replace(/[^A-Za-z0-9_]/g, '_')}_`)).toBe(true);
    await search.fill('');
  });

  it('adds the highlighted node from the canvas search with Enter', async () => {
    const { page } = editor;
    const at = await canvasPoint(page, 0.7, 0.85);
    await page.mouse.dblclick(at.x, at.y);
    const input = page.locator('[data-testid="node-search"] input');
    await input.fill('pool');
    await input.press('ArrowDown');
    const highlighted = await page.locator('[data-testid="node-search"] li.active').getAttribute('data-type');
    const before = await nodeIds(page);
    await input.press('Enter');
    await expect.poll(async () => (await newIds(page, before)).length).toBe(1);
    const [added] = await newIds(page, before);
    expect(added.startsWith(`${highlighted!.replace(/[^A-Za-z0-9_]/g, '_')}_`)).toBe(true);
  });

  it('moves through the File menu with the arrows, closes it on Escape and on a click outside', async () => {
    const { page } = editor;
    const button = page.locator('[data-testid="menu-file"]');
    await button.click();
    const menu = page.getByRole('menu', { name: 'File' });
    await menu.waitFor();
    expect((await activeElement()).command).toBe('templates');
    await page.keyboard.press('ArrowDown');
    expect((await activeElement()).command).toBe('new');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect((await activeElement()).command).toBe('exportSvg');
    await page.keyboard.press('Home');
    expect((await activeElement()).command).toBe('templates');
    await page.keyboard.press('Escape');
    await expect.poll(() => menu.count()).toBe(0);
    expect((await activeElement()).testId).toBe('menu-file');
    expect(await page.locator('[data-testid="shortcuts"]').count()).toBe(0);

    // The keyboard opens it too, and a click elsewhere closes it.
    await page.keyboard.press('ArrowDown');
    await menu.waitFor();
    const outside = await canvasPoint(page, 0.5, 0.08);
    await page.mouse.click(outside.x, outside.y);
    await expect.poll(() => menu.count()).toBe(0);
  });

  it('visits every node with Tab before any wire', async () => {
    const { page } = editor;
    await page.locator('[data-command="fitView"]').click();
    await page.waitForTimeout(300);
    const nodes = await page.locator('.react-flow__node[tabindex="0"]').count();
    const wires = await page.locator('.react-flow__edge').count();
    expect(nodes).toBeGreaterThanOrEqual(6);
    expect(wires).toBeGreaterThanOrEqual(3);
    await page.locator('.react-flow__node[tabindex="0"]').first().focus();
    const visited: string[] = [];
    for (let i = 0; i < nodes + wires; i++) {
      const el = await activeElement();
      visited.push(el.classes.includes('react-flow__node') ? 'node' : el.classes.includes('react-flow__edge') ? 'wire' : 'other');
      await page.keyboard.press('Tab');
    }
    expect(visited).toEqual([...Array(nodes).fill('node'), ...Array(wires).fill('wire')]);
    // Past the last wire, Tab leaves the canvas.
    const after = await activeElement();
    expect(after.classes.includes('react-flow__edge') || after.classes.includes('react-flow__node')).toBe(false);
  });

  it('opens a param\'s doc on focus or click of its "?", which screen readers can reach', async () => {
    const { page } = editor;
    await clickNode(page, 'classifier');
    const help = page.locator('[data-testid="inspector-classifier"] [data-testid="param-doc-outFeatures"]');
    expect(await help.getAttribute('aria-label')).toBe('About outFeatures');
    expect(await help.getAttribute('aria-hidden')).toBeNull();
    const doc = page.locator(`[id="${await help.getAttribute('aria-controls')}"]`);
    expect(await doc.isVisible()).toBe(false);
    // The field's input is described by the doc.
    expect(await page.locator('[data-testid="inspector-classifier"] input[data-param="outFeatures"]').getAttribute('aria-describedby')).toBe(await help.getAttribute('aria-controls'));
    await help.focus();
    await expect.poll(() => doc.isVisible()).toBe(true);
    expect((await doc.textContent())!.length).toBeGreaterThan(10);
    expect(await help.getAttribute('aria-expanded')).toBe('true');
    await editor.shot('daily-04-param-doc');
    await help.blur();
    await expect.poll(() => doc.isVisible()).toBe(false);
    await help.click();
    await expect.poll(() => doc.isVisible()).toBe(true);
    await help.click();
    await expect.poll(() => doc.isVisible()).toBe(false);
  });
});

describe('honest cues', () => {
  it('flags a far-off learning rate before Run, and reports a run whose loss exploded (without NaN) as diverged', async () => {
    const { page } = editor;
    const graph = tinyRegressor({ steps: 40, lr: 100 });
    writeFileSync(path.join(editor.workspace, 'exploding.json'), serializeGraph(graph));
    await openWorkspaceFile('exploding.json');
    await expect.poll(problemCodes).toContain('unusual-learning-rate');
    const warning = page.locator('[data-testid="problems-panel"] li[data-code="unusual-learning-rate"]');
    expect(await warning.textContent()).toContain("optimizer 'opt' (adam) has learning rate 100, far above the usual");
    expect(await warning.getAttribute('class')).toContain('warning');
    await editor.shot('daily-05-lr-warning');

    await page.keyboard.press('Control+Enter');
    await expect.poll(() => toasts(page).filter({ hasText: 'Starting anyway' }).count()).toBe(1);
    const status = page.locator('[data-testid="training-status"]');
    await expect.poll(() => status.textContent(), { timeout: 60_000 }).toMatch(/^Training diverged: loss 'mse' grew from [\d.e+-]+ to [\d.e+-]+ by step 40; lower the learning rate/);
    expect(await status.getAttribute('class')).toContain('failed');
    expect(await page.locator('[data-testid="train-progress"]').textContent()).toMatch(/^Diverged · step 40/);
    expect(await toasts(page).filter({ hasText: 'Training completed' }).count()).toBe(0);
    await editor.shot('daily-06-diverged');
  });

  it('draws the plot\'s grid and text in the new theme\'s colours at once', async () => {
    const { page } = editor;
    const plot = page.locator('[data-testid="loss-plot"] .tw-plot-canvas');
    const themeColour = (name: string) => page.evaluate((n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim(), name);
    for (const theme of ['light', 'dark']) {
      await page.locator('[data-command="toggleTheme"]').click();
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      await expect.poll(() => plot.getAttribute('data-axis-color'), { timeout: 1000 }).toBe(await themeColour('--tw-muted'));
      expect(await plot.getAttribute('data-grid-color')).toBe(await themeColour('--tw-border'));
      await editor.shot(`daily-07-plot-${theme}`);
    }
  });

  it('downloads the curves as CSV through the browser', async () => {
    const { page } = editor;
    const csv = await download(page, () => page.locator('[data-testid="export-csv"]').click());
    expect(csv.name).toMatch(/-curves\.csv$/);
    const lines = csv.bytes.toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('step,time,steps_per_sec,mse,opt total,opt lr');
    expect(lines.length - 1).toBe(40);
    expect(existsSync(path.join(editor.workspace, 'exports'))).toBe(false);
  });

  it('keeps paused time out of the speed and the ETA', async () => {
    const { page } = editor;
    const graph = tinyRegressor({ steps: 100000, lr: 1e-3 });
    writeFileSync(path.join(editor.workspace, 'long.json'), serializeGraph({ ...graph, training: { ...graph.training, logEvery: 20 } }));
    await openWorkspaceFile('long.json');
    const step = async () => Number(await page.locator('[data-testid="train-progress"]').getAttribute('data-step'));
    const speed = async () => Number(/[\d.]+/.exec((await page.locator('[data-testid="train-speed"]').textContent()) ?? '')?.[0] ?? 0);
    await page.keyboard.press('Control+Enter');
    await expect.poll(step, { timeout: 30_000 }).toBeGreaterThanOrEqual(60);
    const running = await speed();
    expect(running).toBeGreaterThan(0);
    await page.locator('[data-testid="train-pause"]').click();
    await expect.poll(() => page.locator('[data-testid="train-progress"]').textContent()).toMatch(/^Paused/);
    expect(await page.locator('[data-testid="train-eta"]').textContent()).toBe('ETA —');
    const paused = await step();
    // A pause several times longer than a logging window.
    const pauseMs = Math.max(3000, (20 / running) * 1000 * 5);
    await page.waitForTimeout(pauseMs);
    await page.locator('[data-testid="train-pause"]').click();
    // The first window logged after the pause spans it: counted in, it would show a fraction of the speed.
    await expect.poll(step, { timeout: 30_000, interval: 20 }).toBeGreaterThan(paused);
    const resumed = await speed();
    await page.locator('[data-testid="train-stop"]').click();
    expect(resumed).toBeGreaterThan(running * 0.4);
    await expect.poll(() => page.locator('[data-testid="training-status"]').textContent(), { timeout: 30_000 }).toMatch(/^Training stopped/);
  });

  it('has produced no errors in the page', () => {
    expect(editor.errors).toEqual([]);
  });
});
