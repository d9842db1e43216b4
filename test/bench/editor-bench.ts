/**
 * Editor benchmark (not a test): a generated 1000-node residual network
 * opened in the browser mode, in Debian's Chromium.
 *
 *   first render   from clicking the file in the Open dialog to every node in
 *                  view drawn and measured (parse, validate, infer, project,
 *                  React, layout); also with the whole graph fitted in view
 *   param edit     from Enter in a param field to the new shape painted on
 *                  the wire downstream (validate + infer of all 1000 nodes)
 *
 * Targets: first render < 1 s, param edit → shapes < 50 ms.
 *   npx tsx test/bench/editor-bench.ts
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { GraphBuilder } from '../../core/graph/builder';
import { serializeGraph } from '../../core/graph/serialize';
import { startServer } from '../../core/host/server';
import { buildRenderer } from '../../build/renderer-build';
import { CHROMIUM, CHROMIUM_ARGS } from '../e2e/harness';
import { library } from '../library';

const BLOCKS = 249;
const PER_ROW = 12;
const REPEATS = 7;
const EDITS = 12;
/** Edits before timing starts: the first ones include JIT compilation of the edit path. */
const WARMUP_EDITS = 2;

/** data → stem → 249 × (conv → batchnorm → relu → add skip) → head conv → BCE: 1000 nodes. */
function residualGraph() {
  const g = new GraphBuilder({ name: 'Bench: 1000 nodes' }, library);
  g.dataset('shapes', { imageSize: 16 });
  g.add('input.dataset', {}, 'data');
  let x = `${g.op('conv2d', { input: 'data.image' }, { outChannels: 8, kernelSize: 3, padding: 1 }, 'stem')}.output`;
  for (let i = 0; i < BLOCKS; i++) {
    const conv = g.op('conv2d', { input: x }, { outChannels: 8, kernelSize: 3, padding: 1 }, `b${i}_conv`);
    const bn = g.op('batchnorm2d', { input: `${conv}.output` }, {}, `b${i}_bn`);
    const relu = g.op('relu', { input: `${bn}.output` }, {}, `b${i}_relu`);
    x = `${g.op('add', { a: `${relu}.output`, b: x }, {}, `b${i}_add`)}.output`;
  }
  const head = g.op('conv2d', { input: x }, { outChannels: 1, kernelSize: 1, padding: 0 }, 'head');
  g.op('loss.bce_logits', { input: `${head}.output` }, {}, 'loss');
  g.optimizer({ type: 'adam', id: 'adam', modules: ['main'], losses: [{ node: 'loss', weight: 1 }], lr: 1e-3 });
  const doc = g.build();
  // Blocks in rows, like a large hand-made canvas, so fitting it in view is meaningful.
  const nodes: Record<string, { x: number; y: number }> = { data: { x: -700, y: 0 }, stem: { x: -350, y: 0 } };
  for (let i = 0; i < BLOCKS; i++) {
    const row = Math.floor(i / PER_ROW);
    const column = i % PER_ROW;
    ['conv', 'bn', 'relu', 'add'].forEach((part, k) => {
      nodes[`b${i}_${part}`] = { x: column * 1320 + k * 320, y: row * 260 + (k % 2) * 40 };
    });
  }
  nodes.head = { x: 0, y: Math.ceil(BLOCKS / PER_ROW) * 260 + 100 };
  nodes.loss = { x: 320, y: Math.ceil(BLOCKS / PER_ROW) * 260 + 100 };
  return { ...doc, layout: { ...doc.layout, nodes } };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  await buildRenderer();
  const doc = residualGraph();
  if (doc.nodes.length !== 1000) throw new Error(`bench graph has ${doc.nodes.length} nodes, expected 1000`);
  const workspace = mkdtempSync(path.join(tmpdir(), 'tw-bench-'));
  writeFileSync(path.join(workspace, 'bench-1000.json'), serializeGraph(doc));
  const server = await startServer({ library, port: 0, workspace, runsDir: path.join(workspace, 'runs') });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx keeps function names with a helper that the page lacks; the evaluated callbacks below need it.
    await page.addInitScript({ content: 'window.__name = (f) => f;' });
    await page.goto(server.url);
    await page.locator('.tw-node').first().waitFor({ timeout: 30_000 });

    const firstRender: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      // Start from a small graph each time so the 1000-node graph is really opened afresh.
      await page.locator('[data-testid="menu-file"]').click();
      await page.locator('[data-command="new"]').click();
      await page.waitForTimeout(100);
      await page.keyboard.press('Control+o');
      const entry = page.locator('[data-path$="bench-1000.json"]');
      await entry.waitFor();
      firstRender.push(
        await entry.evaluate(
          (button) =>
            new Promise<number>((resolve) => {
              const t0 = performance.now();
              (button as HTMLButtonElement).click();
              const check = () => {
                const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node-card')];
                const drawn = nodes.length > 4 && nodes.every((n) => n.style.visibility !== 'hidden') && document.querySelector('[data-node-id="b0_conv"]');
                if (drawn) requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t0), 0));
                else requestAnimationFrame(check);
              };
              requestAnimationFrame(check);
            }),
        ),
      );
    }
    const visibleAtOpen = await page.locator('.react-flow__node-card').count();

    // Everything in view at once: the worst case for drawing.
    const fitAll = await page.evaluate(
      () =>
        new Promise<{ ms: number; drawn: number }>((resolve) => {
          const t0 = performance.now();
          window.dispatchEvent(new KeyboardEvent('keydown', { key: '.', code: 'Period', bubbles: true }));
          let stable = 0;
          let last = -1;
          const check = () => {
            const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node-card')];
            const count = nodes.filter((n) => n.style.visibility !== 'hidden').length;
            stable = count === last ? stable + 1 : 0;
            last = count;
            if (count >= 1000 || stable > 30) setTimeout(() => resolve({ ms: performance.now() - t0, drawn: count }), 0);
            else requestAnimationFrame(check);
          };
          requestAnimationFrame(check);
        }),
    );

    // Param edits: the head's channels (one node's output changes) and the dataset's image size (every shape changes).
    const editTimes: number[] = [];
    const globalEditTimes: number[] = [];
    const editWork: number[] = [];
    const globalEditWork: number[] = [];
    const inspectorFor = async (id: string) => {
      await page.evaluate((nodeId) => window.tensorweaveEditor?.reveal(nodeId), id);
      await page.locator(`[data-testid="inspector-${id}"]`).waitFor();
      await page.waitForTimeout(200);
    };
    const timeEdit = (selector: string, value: string, labelSelector: string, expected: string) =>
      page.evaluate(
        ({ selector, value, labelSelector, expected }) =>
          new Promise<{ painted: number; handled: number }>((resolve, reject) => {
            const input = document.querySelector<HTMLInputElement>(selector);
            if (!input) return reject(new Error(`no field ${selector}`));
            const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
            setValue.call(input, value);
            input.dispatchEvent(new Event('input', { bubbles: true }));
            requestAnimationFrame(() => {
              const t0 = performance.now();
              input.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
              // React commits discrete events synchronously: this is the edit's main-thread work.
              const handled = performance.now() - t0;
              const check = () => {
                const text = document.querySelector(labelSelector)?.textContent ?? '';
                // The frame after the change, once painted (a task queued from rAF runs after the paint).
                if (text.endsWith(expected)) requestAnimationFrame(() => setTimeout(() => resolve({ painted: performance.now() - t0, handled }), 0));
                else if (performance.now() - t0 > 5000) reject(new Error(`label stayed '${text}', expected …${expected}`));
                else requestAnimationFrame(check);
              };
              check();
            });
          }),
        { selector, value, labelSelector, expected },
      );

    // Bring the head into view so its outgoing wire is drawn.
    await inspectorFor('head');
    const headLabel = '[data-testid="edge-label-head.output->loss.input"] text';
    let channels = '';
    for (let i = 0; i < WARMUP_EDITS + EDITS; i++) {
      channels = String(2 + (i % 3));
      const ms = await timeEdit('[data-testid="inspector-head"] input[data-param="outChannels"]', channels, headLabel, `×${channels}`);
      if (i >= WARMUP_EDITS) {
        editTimes.push(ms.painted);
        editWork.push(ms.handled);
      }
    }
    await page.evaluate(() => window.tensorweaveEditor?.reveal(null));
    await page.locator('[data-testid="graph-settings"]').waitFor();
    for (let i = 0; i < WARMUP_EDITS + EDITS; i++) {
      const size = String(16 + 4 * ((i % 2) + 1));
      const ms = await timeEdit('[data-testid="graph-settings"] input[data-param="imageSize"]', size, headLabel, `N×${size}×${size}×${channels}`);
      if (i >= WARMUP_EDITS) {
        globalEditTimes.push(ms.painted);
        globalEditWork.push(ms.handled);
      }
    }

    const report = (label: string, ms: number, target: number) => console.log(`${label.padEnd(52)} ${ms.toFixed(1).padStart(8)} ms   target < ${target} ms   ${ms < target ? 'OK' : 'MISSED'}`);
    console.log(
      `graph: ${doc.nodes.length} nodes, ${doc.edges.length} wires; Chromium headless; median of ${REPEATS} opens and ${EDITS} edits ` +
        `(after ${WARMUP_EDITS} warm-up edits); ${cpus().length} CPUs, load average ${loadavg()[0].toFixed(1)}`,
    );
    report(`first render (open → ${visibleAtOpen} nodes in view drawn)`, median(firstRender), 1000);
    report(`fit whole graph (${fitAll.drawn} nodes drawn)`, fitAll.ms, 1000);
    report('param edit → new shape painted (one node)', median(editTimes), 50);
    report('dataset edit → every shape changes, painted', median(globalEditTimes), 50);
    console.log(`main-thread work per edit (store, validate, infer, React commit): one node ${median(editWork).toFixed(1)} ms, every shape ${median(globalEditWork).toFixed(1)} ms`);
    console.log(`raw: first render ${firstRender.map((t) => t.toFixed(0)).join(', ')}; edits ${editTimes.map((t) => t.toFixed(1)).join(', ')}; global edits ${globalEditTimes.map((t) => t.toFixed(1)).join(', ')}`);
    console.log('(times run to the first frame painted after the change, so they include waiting for that frame)');
  } finally {
    await browser.close();
    await server.close();
    rmSync(workspace, { recursive: true, force: true });
  }
}

await main();
