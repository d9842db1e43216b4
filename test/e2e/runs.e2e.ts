/**
 * Training pictures and runs, in Debian's Chromium against the browser-mode
 * host and a real trainer: the first pictures come with the first logged
 * step, a slider scrubs back through earlier ones, every picture enlarges;
 * losses can be normalised; the best step is shown for one objective and
 * not for a GAN; compare ticks stay with the graph they were made for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchEditor, type Editor } from './harness';

let editor: Editor;

const progressText = () => editor.page.locator('[data-testid="train-progress"]').textContent();

async function setSetting(name: string, value: number): Promise<void> {
  const input = editor.page.locator(`[data-testid="train-settings"] input[data-setting="${name}"]`);
  await input.fill(String(value));
  await input.press('Enter');
  await expect.poll(() => input.inputValue()).toBe(String(value));
}

async function train(settings: Record<string, number>): Promise<void> {
  const { page } = editor;
  for (const [name, value] of Object.entries(settings)) await setSetting(name, value);
  await page.keyboard.press('Control+Enter');
  await expect.poll(progressText, { timeout: 60_000 }).toMatch(/^Completed/);
}

async function openTemplate(page: Page, id: string): Promise<void> {
  await page.locator('[data-testid="menu-file"]').click();
  await page.locator('[data-command="templates"]').click();
  const gallery = page.locator('[data-testid="gallery"]');
  await gallery.waitFor();
  await gallery.locator(`[data-template="${id}"]`).click();
  const discard = page.locator('[data-testid="confirm-discard"]');
  if (await discard.count()) await discard.getByRole('button', { name: 'Discard changes' }).click();
  await gallery.waitFor({ state: 'detached' });
}

const runRows = () => editor.page.locator('[data-testid="runs-list"] li');

beforeAll(async () => {
  editor = await launchEditor();
});

afterAll(async () => {
  await editor?.close();
});

describe('training pictures and runs', () => {
  it('shows pictures from the first logged step, scrubs back through them, and enlarges any of them', async () => {
    const { page } = editor;
    await page.locator('[data-testid="train-toggle"]').click();
    await train({ steps: 30, batchSize: 2, logEvery: 2, previewEvery: 10 });
    // Pictures at the first logged step (2), then every 10 steps: four frames to scrub through.
    const slider = page.locator('[data-testid="pictures-slider"]');
    await expect.poll(() => slider.getAttribute('max')).toBe('3');
    expect(await page.locator('[data-testid="pictures-step"]').textContent()).toBe('step 30');
    await slider.fill('0');
    await expect.poll(() => page.locator('[data-testid="pictures-step"]').textContent()).toBe('step 2');
    await slider.fill('2');
    await expect.poll(() => page.locator('[data-testid="pictures-step"]').textContent()).toBe('step 20');

    await page.locator('[data-testid="pictures"] .tw-picture-zoom').first().click();
    const big = page.locator('[data-testid="picture-enlarged"] img');
    await big.waitFor();
    const box = (await big.boundingBox())!;
    const small = (await page.locator('[data-testid="pictures"] [data-testid="preview-image"]').first().boundingBox())!;
    expect(box.width).toBeGreaterThan(small.width * 3);
    await editor.shot('runs-01-picture-enlarged');
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="picture-enlarged"]').count()).toBe(0);
    await editor.shot('runs-02-picture-slider');
  });

  it('normalises curves of different scale, and shows the best step of a single objective', async () => {
    const { page } = editor;
    const legend = page.locator('[data-testid="loss-plot"] .u-legend');
    expect(await legend.textContent()).not.toContain('÷ max');
    await page.locator('[data-testid="normalise"]').check();
    await expect.poll(() => legend.textContent()).toContain('÷ max');
    await editor.shot('runs-03-normalised');
    await page.locator('[data-testid="normalise"]').uncheck();

    await page.locator('[data-testid="tab-runs"]').click();
    await expect.poll(() => runRows().count()).toBe(1);
    // The latest run, finished, opens its details rather than the live view.
    await runRows().first().locator('.tw-run-row').click();
    await page.locator('[data-testid="run-details"]').waitFor();
    expect(await page.locator('[data-testid="run-best"]').textContent()).toMatch(/^\d[\d,]* \(adam total/);
    await page.locator('[data-testid="back-to-live"]').click();
  });

  it('keeps compare ticks with their graph, and shows no best step for a GAN', async () => {
    const { page } = editor;
    await page.locator('[data-testid="tab-settings"]').click();
    await train({ steps: 4, batchSize: 2, logEvery: 2, previewEvery: 10 });
    await page.locator('[data-testid="tab-runs"]').click();
    await expect.poll(() => runRows().count()).toBe(2);
    const [newer, older] = await runRows().evaluateAll((els) => els.map((e) => e.getAttribute('data-run')!));
    await page.locator(`[data-testid="runs-list"] li[data-run="${older}"] [data-testid="run-compare"]`).check();
    await expect.poll(() => page.locator('[data-testid="loss-plot"]').getAttribute('data-series')).toBe('4');

    // Another graph: the tick made for the classifier does not follow.
    await openTemplate(page, 'cgan');
    await expect.poll(() => page.locator(`[data-testid="runs-list"] li[data-run="${older}"] [data-testid="run-compare"]`).isChecked()).toBe(false);
    expect(newer).not.toBe(older);

    await page.locator('[data-testid="tab-settings"]').click();
    await train({ steps: 4, batchSize: 2, logEvery: 2, previewEvery: 10 });
    await page.locator('[data-testid="tab-runs"]').click();
    await expect.poll(() => runRows().count()).toBe(3);
    await runRows().first().locator('.tw-run-row').click();
    await page.locator('[data-testid="run-details"]').waitFor();
    expect(await page.locator('[data-testid="run-details"]').textContent()).toContain('Conditional GAN');
    expect(await page.locator('[data-testid="run-best"]').count()).toBe(0);
    await editor.shot('runs-04-gan-no-best');
  });

  it('has produced no errors in the page', () => {
    expect(editor.errors).toEqual([]);
  });
});
