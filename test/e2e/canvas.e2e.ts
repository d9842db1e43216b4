/**
 * Graphs that read at a glance, in Debian's Chromium: every template opens
 * fitted at a zoom where its text is legible (measured on the rendered text,
 * not assumed from CSS), far zoom turns cards into compact blocks that still
 * name the node and its shape, and wire labels do not pile up.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { launchEditor, type Editor } from './harness';

const TEMPLATES = ['shapes-classifier', 'shapes-segmentation', 'edges-to-image-unet', 'mask-rcnn', 'cgan', 'pix2pix', 'cyclegan', 'perceptual-style'];

let editor: Editor;

beforeAll(async () => {
  editor = await launchEditor();
});

afterAll(async () => {
  await editor?.close();
});

async function openTemplate(page: Page, id: string): Promise<void> {
  await page.locator('[data-testid="menu-file"]').click();
  await page.locator('[data-command="templates"]').click();
  const gallery = page.locator('[data-testid="gallery"]');
  await gallery.waitFor();
  await gallery.locator(`[data-template="${id}"]`).click();
  await gallery.waitFor({ state: 'detached' });
  await page.locator('.react-flow__node-card').first().waitFor();
  // The opening fit runs once the cards are measured.
  await page.waitForTimeout(500);
}

interface TextBox {
  text: string;
  height: number;
}

/** Height on screen of every visible piece of text drawn inside the canvas (cards, frames, wire labels). */
function visibleTexts(page: Page): Promise<TextBox[]> {
  return page.evaluate(() => {
    const pane = document.querySelector('.react-flow__renderer')!.getBoundingClientRect();
    const out: { text: string; height: number }[] = [];
    const walker = document.createTreeWalker(document.querySelector('.react-flow__viewport')!, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent?.trim() ?? '';
      if (!text) continue;
      const el = n.parentElement!;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if (r.width === 0 || r.height === 0) continue;
        if (r.right < pane.left || r.left > pane.right || r.bottom < pane.top || r.top > pane.bottom) continue;
        out.push({ text, height: r.height });
      }
    }
    return out;
  });
}

describe('graphs that read at a glance', () => {
  for (const id of TEMPLATES) {
    it(`opens ${id} fitted with legible text (≥ 9 px) and the rest in the minimap`, async () => {
      const { page } = editor;
      await openTemplate(page, id);
      const texts = await visibleTexts(page);
      await editor.shot(`canvas-open-${id}`);
      // Something readable is on screen: the node titles at least.
      expect(texts.length).toBeGreaterThan(3);
      const small = texts.filter((t) => t.height < 9);
      expect(small, `text under 9 px in ${id}: ${small.slice(0, 5).map((t) => `${t.text} (${t.height.toFixed(1)})`).join(', ')}`).toEqual([]);
      expect(await page.locator('.react-flow__minimap').count()).toBe(1);
    });
  }
});
