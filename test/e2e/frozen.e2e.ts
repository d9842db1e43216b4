/**
 * Frozen modules in the editor (#10 "The graph format", #11): a module that
 * no optimizer is meant to update says so with the inspector's Frozen
 * checkbox, its frame reads as frozen, and the untrained-weights warning
 * goes away; freezing a module an optimizer lists first offers to take it
 * out of that optimizer. Every change is one undo step.
 *
 * The tests run in order on one editor, each continuing from the last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canvasPoint, clickNode, launchEditor, nodeIds, type Editor } from './harness';

let editor: Editor;

const problemCodes = () => editor.page.locator('[data-testid="problems-panel"] li[data-code]').evaluateAll((els) => els.map((e) => e.getAttribute('data-code')));
const frame = (moduleId: string) => editor.page.locator(`[data-testid="module-${moduleId}"]`);
const frozenCheckbox = (moduleId: string) => editor.page.locator(`[data-testid="inspector-module-${moduleId}"] [data-testid="module-frozen-checkbox"]`);
const optimizerModules = () =>
  editor.page
    .locator('[data-testid="graph-settings"] .tw-checks label.tw-check')
    .evaluateAll((labels) => labels.filter((l) => (l.querySelector('input') as HTMLInputElement).checked).map((l) => l.textContent!.trim()));

async function undo(): Promise<void> {
  await editor.page.locator('[data-command="undo"]').click();
}

async function selectNothing(): Promise<void> {
  const at = await canvasPoint(editor.page, 0.5, 0.08);
  await editor.page.mouse.click(at.x, at.y);
  await editor.page.locator('[data-testid="graph-settings"]').waitFor();
}

async function selectModule(moduleId: string): Promise<void> {
  await frame(moduleId).locator('.tw-frame-name').click();
  await editor.page.locator(`[data-testid="inspector-module-${moduleId}"]`).waitFor();
}

beforeAll(async () => {
  editor = await launchEditor();
});

afterAll(async () => {
  await editor?.close();
});

describe('frozen modules', () => {
  it("shows the perceptual template's loss network as frozen, with no warning about its weights", async () => {
    const { page } = editor;
    await page.locator('[data-testid="menu-file"]').click();
    await page.locator('[data-command="templates"]').click();
    const gallery = page.locator('[data-testid="gallery"]');
    await gallery.waitFor();
    await gallery.locator('[data-template="perceptual-style"]').click();
    await expect.poll(() => page.locator('[data-testid="file-name"]').textContent()).toBe('Untitled');
    await page.keyboard.press('.');
    await frame('LossNet').waitFor();
    await expect.poll(() => frame('LossNet').locator('[data-testid="frozen-mark"]').textContent()).toContain('frozen');
    // The transformation network is trained, so it carries no mark.
    expect(await page.locator('[data-testid="frozen-mark"]').count()).toBe(1);
    expect(await problemCodes()).not.toContain('module-not-optimized');
    expect(await problemCodes()).not.toContain('frozen-module-optimized');
    await selectModule('LossNet');
    expect(await frozenCheckbox('LossNet').isChecked()).toBe(true);
    await editor.shot('frozen-01-perceptual');
  });

  it('freezing a module an optimizer updates first offers to take it out of that optimizer, in one undo step', async () => {
    const { page } = editor;
    await page.locator('[data-testid="menu-file"]').click();
    await page.locator('[data-command="new"]').click();
    const discard = page.locator('[data-testid="confirm-discard"]');
    if (await discard.count()) await discard.getByRole('button', { name: 'Discard changes' }).click();
    await expect.poll(() => nodeIds(page)).toEqual(['data', 'flatten', 'classifier', 'loss']);

    await clickNode(page, 'classifier');
    await page.keyboard.press('Control+g');
    await frame('module_1').waitFor();
    await selectModule('module_1');
    await frozenCheckbox('module_1').click();
    const confirm = page.locator('[data-testid="module-frozen-confirm"]');
    await confirm.waitFor();
    expect(await confirm.textContent()).toContain("Optimizer 'adam' updates 'Module 1'");
    await editor.shot('frozen-02-confirm');
    // Cancel leaves everything as it was.
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await frozenCheckbox('module_1').isChecked()).toBe(false);

    await frozenCheckbox('module_1').click();
    await confirm.getByRole('button', { name: "Freeze and remove from 'adam'" }).click();
    await expect.poll(() => frozenCheckbox('module_1').isChecked()).toBe(true);
    await expect.poll(() => frame('module_1').locator('[data-testid="frozen-mark"]').count()).toBe(1);
    expect(await problemCodes()).toEqual([]);
    await selectNothing();
    expect(await optimizerModules()).toEqual(['main (nodes in no module)']);

    await undo();
    await expect.poll(() => frame('module_1').locator('[data-testid="frozen-mark"]').count()).toBe(0);
    await selectNothing();
    expect(await optimizerModules()).toEqual(['main (nodes in no module)', 'Module 1']);
  });

  it('ticking Frozen on a module no optimizer updates silences its warning, and undo brings the warning back', async () => {
    const { page } = editor;
    // Take the module out of the optimizer: its weights would now stay as initialised, which is warned about.
    await page.locator('[data-testid="graph-settings"] .tw-checks label.tw-check', { hasText: 'Module 1' }).locator('input').click();
    await expect.poll(problemCodes).toEqual(['module-not-optimized']);
    const warning = page.locator('[data-testid="problems-panel"] li[data-code="module-not-optimized"]');
    expect(await warning.textContent()).toContain("no optimizer updates module 'module_1'");
    await editor.shot('frozen-03-warning');

    await selectModule('module_1');
    await frozenCheckbox('module_1').click();
    // No optimizer lists it, so nothing to confirm: it is frozen at once.
    await expect.poll(problemCodes).toEqual([]);
    expect(await page.locator('[data-testid="module-frozen-confirm"]').count()).toBe(0);
    expect(await frame('module_1').locator('[data-testid="frozen-mark"]').count()).toBe(1);
    await editor.shot('frozen-04-frozen');

    await undo();
    await expect.poll(problemCodes).toEqual(['module-not-optimized']);
    expect(await frame('module_1').locator('[data-testid="frozen-mark"]').count()).toBe(0);
    expect(await frozenCheckbox('module_1').isChecked()).toBe(false);
    expect(editor.errors).toEqual([]);
  });
});
