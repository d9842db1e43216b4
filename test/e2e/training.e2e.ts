/**
 * Training from the editor, end to end in Debian's Chromium against the
 * browser-mode host and a real trainer process: Run, live curves, progress
 * and pictures, pause/resume/stop, the run history, exports, a trainer
 * killed mid-run, a graph refused before training and a graph that diverges.
 *
 * One editor session, each test continuing from the last, as a user's would.
 * Runs are kept small (batch 4, pictures every 5 steps) so the file stays fast.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraph } from '../../core/graph/serialize';
import { tinyRegressor } from '../core/train/helpers';
import { download, launchEditor, nodeIds, type Editor } from './harness';

let editor: Editor;
let firstRun = '';

const progressStep = async () => Number(await editor.page.locator('[data-testid="train-progress"]').getAttribute('data-step'));
const plotPoints = async () => Number((await editor.page.locator('[data-testid="loss-plot"]').getAttribute('data-points')) ?? 0);
const progressText = () => editor.page.locator('[data-testid="train-progress"]').textContent();

/** Trainer processes this test process started (the browser-mode host runs in it and forks them). */
function trainerPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name (which may hold spaces) start with state, then the parent's pid.
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent !== process.pid) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('worker-boot')) pids.push(Number(entry));
    } catch {
      continue;
    }
  }
  return pids;
}

async function setSetting(name: string, value: number): Promise<void> {
  const input = editor.page.locator(`[data-testid="train-settings"] input[data-setting="${name}"]`);
  await input.fill(String(value));
  await input.press('Enter');
  await expect.poll(() => input.inputValue()).toBe(String(value));
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

beforeAll(async () => {
  editor = await launchEditor();
});

afterAll(async () => {
  await editor?.close();
});

describe('training from the editor', () => {
  it('trains the open template: the curves grow, the progress moves and a picture appears', async () => {
    const { page } = editor;
    await page.locator('[data-testid="train-toggle"]').click();
    await setSetting('steps', 2000);
    await setSetting('batchSize', 4);
    await setSetting('logEvery', 2);
    await setSetting('previewEvery', 5);
    await editor.shot('train-01-settings');

    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.locator('[data-testid="train-backend"]').textContent(), { timeout: 20_000 }).toMatch(/^auto → (wasm|cpu|node|node-gpu)$/);
    await expect.poll(plotPoints, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const points = await plotPoints();
    const step = await progressStep();
    await expect.poll(plotPoints, { timeout: 15_000 }).toBeGreaterThan(points);
    await expect.poll(progressStep).toBeGreaterThan(step);
    expect(await progressText()).toMatch(/Running · step [\d,]+ \/ 2,000/);
    expect(await page.locator('[data-testid="train-speed"]').textContent()).toMatch(/^\d+(\.\d+)? steps\/s$/);
    // One loss curve and the optimizer's total, plus the learning rate below.
    expect(await page.locator('[data-testid="loss-plot"]').getAttribute('data-series')).toBe('2');
    expect(await page.locator('[data-testid="lr-plot"] .u-legend').textContent()).toContain('adam lr');

    const picture = page.locator('[data-testid="pictures"] [data-testid="preview-image"]').first();
    await picture.waitFor({ timeout: 15_000 });
    expect(await picture.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    expect(await page.locator('[data-testid="pictures"] .tw-picture').first().getAttribute('data-node')).toBe('data');
    // The node that produced the picture is marked on the canvas while training.
    await expect.poll(() => page.locator('.tw-node[data-node-id="data"]').getAttribute('class')).toContain('tw-train-pictured');
    // Pointing at the picture singles its node out.
    await page.locator('[data-testid="pictures"] .tw-picture').first().hover();
    await expect.poll(() => page.locator('.tw-node[data-node-id="data"]').getAttribute('class')).toContain('tw-train-pointed');
    // Hovering the node shows its latest picture.
    await page.locator('.tw-node[data-node-id="data"] .tw-node-header').hover();
    await expect.poll(() => page.locator('[data-testid="node-peek-data"]').isVisible()).toBe(true);
    await editor.shot('train-02-running');
  });

  it('pauses, resumes and stops', async () => {
    const { page } = editor;
    await page.locator('[data-testid="train-pause"]').click();
    await expect.poll(progressText).toMatch(/^Paused/);
    const paused = await progressStep();
    await page.waitForTimeout(800);
    expect(await progressStep()).toBe(paused);
    await editor.shot('train-03-paused');

    await page.locator('[data-testid="train-pause"]').click();
    await expect.poll(progressText).toMatch(/^Running/);
    await expect.poll(progressStep).toBeGreaterThan(paused);

    await page.locator('[data-testid="train-stop"]').click();
    await expect.poll(progressText, { timeout: 15_000 }).toMatch(/^Stopped · step/);
    expect(await page.locator('[data-testid="train-run"]').isEnabled()).toBe(true);
    await page.locator('[data-testid="tab-runs"]').click();
    const rows = page.locator('[data-testid="runs-list"] li');
    await expect.poll(() => rows.count()).toBe(1);
    firstRun = (await rows.first().getAttribute('data-run'))!;
    expect(await rows.first().getAttribute('data-status')).toBe('stopped');
    await editor.shot('train-04-stopped');
  });

  it('reports a trainer killed mid-run, keeping the graph and its unsaved edits', async () => {
    const { page } = editor;
    // An unsaved edit: the graph's name.
    const name = page.locator('[data-testid="graph-settings"] input').first();
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await name.fill('Classifier under test');
    await name.press('Enter');
    await expect.poll(() => page.locator('[data-testid="dirty-marker"]').count()).toBe(1);
    const ids = await nodeIds(page);

    expect(trainerPids()).toEqual([]);
    await page.locator('[data-testid="train-run"]').click();
    await expect.poll(plotPoints).toBe(0);
    await expect.poll(plotPoints, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    const [pid] = trainerPids();
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGKILL');

    const error = page.locator('[data-testid="train-error"]');
    await error.waitFor({ timeout: 10_000 });
    expect(await error.getAttribute('data-code')).toBe('crashed');
    expect(await error.textContent()).toMatch(/The trainer process crashed.*killed by SIGKILL/s);
    expect(await progressText()).toMatch(/^Failed/);
    expect(await page.locator('[data-testid="toast"]').filter({ hasText: 'The trainer process crashed' }).count()).toBe(1);
    // The graph, and the edit not yet saved, are as they were.
    expect(await nodeIds(page)).toEqual(ids);
    expect(await name.inputValue()).toBe('Classifier under test');
    expect(await page.locator('[data-testid="dirty-marker"]').count()).toBe(1);
    // The curves logged before the crash stay on screen, and the host recorded the run's end.
    expect(await plotPoints()).toBeGreaterThan(0);
    const crashed = page.locator('[data-testid="runs-list"] li').first();
    await expect.poll(() => crashed.getAttribute('data-status')).toBe('failed');
    const record = JSON.parse(readFileSync(path.join(editor.workspace, 'runs', (await crashed.getAttribute('data-run'))!, 'run.json'), 'utf8'));
    expect(record).toMatchObject({ status: 'failed', error: expect.stringContaining('killed by SIGKILL') });
    await editor.shot('train-05-crashed');
  });

  it('reopens an old run from the list, overlays another and exports the curves', async () => {
    const { page } = editor;
    const rows = page.locator('[data-testid="runs-list"] li');
    await expect.poll(() => rows.count()).toBe(2);
    const first = page.locator(`[data-testid="runs-list"] li[data-run="${firstRun}"]`);
    await first.locator('.tw-run-row').click();
    const details = page.locator('[data-testid="run-details"]');
    await details.waitFor();
    expect(await details.textContent()).toMatch(/Shapes classifier.*stopped at step.*batch 4 · seed 0 · log every 2 · pictures every 5/s);
    expect(await page.locator('[data-testid="run-best"]').textContent()).toMatch(/^\d[\d,]* \(adam total \d/);
    const logged = readFileSync(path.join(editor.workspace, 'runs', firstRun, 'events.jsonl'), 'utf8').trim().split('\n').length;
    await expect.poll(plotPoints).toBe(logged);
    // Its pictures come back from the run folder.
    await page.locator('[data-testid="pictures"] [data-testid="preview-image"]').first().waitFor();

    // Overlay the crashed run: one colour per run, each with its loss and total.
    const otherId = (await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')))).find((id) => id !== firstRun);
    await page.locator(`[data-testid="runs-list"] li[data-run="${otherId}"] [data-testid="run-compare"]`).check();
    await expect.poll(() => page.locator('[data-testid="loss-plot"]').getAttribute('data-series')).toBe('4');
    expect(await page.locator('[data-testid="loss-plot"] .u-legend').textContent()).toContain(' · bce');
    await editor.shot('train-06-history-overlay');

    const csvFile = await download(page, () => page.locator('[data-testid="export-csv"]').click());
    expect(csvFile.name).toBe(`${firstRun}-curves.csv`);
    const csv = csvFile.bytes.toString('utf8').trim().split('\n');
    expect(csv[0]).toBe('step,time,steps_per_sec,bce,adam total,adam lr');
    expect(csv.length - 1).toBe(logged);
    const pngFile = await download(page, () => page.locator('[data-testid="export-png"]').click());
    expect(pngFile.name).toBe(`${firstRun}-curves.png`);
    expect(pngFile.bytes.subarray(1, 4).toString('ascii')).toBe('PNG');

    await page.locator('[data-testid="back-to-live"]').click();
    await expect.poll(() => page.locator('[data-testid="train-error"]').count()).toBe(1);
  });

  it('continues a stopped run from its checkpoint, keeping its curve', async () => {
    const { page } = editor;
    await page.locator(`[data-testid="runs-list"] li[data-run="${firstRun}"] .tw-run-row`).click();
    const stoppedAt = JSON.parse(readFileSync(path.join(editor.workspace, 'runs', firstRun, 'run.json'), 'utf8')).step as number;
    const logged = await plotPoints();
    await page.locator('[data-testid="resume-run"]').click();
    await expect.poll(progressText, { timeout: 20_000 }).toMatch(/^Running/);
    await expect.poll(progressStep, { timeout: 15_000 }).toBeGreaterThan(stoppedAt + 4);
    // The old points stay, the new ones follow them.
    expect(await plotPoints()).toBeGreaterThan(logged);
    await page.locator('[data-testid="train-stop"]').click();
    await expect.poll(progressText, { timeout: 15_000 }).toMatch(/^Stopped/);
    const events = readFileSync(path.join(editor.workspace, 'runs', firstRun, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).step as number);
    expect(events).toEqual([...events].sort((a, b) => a - b));
    expect(await plotPoints()).toBe(events.length);
  });

  it('refuses to start a graph with errors, and starts nothing', async () => {
    const { page } = editor;
    const broken = tinyRegressor({ steps: 50 });
    (broken.nodes.find((n) => n.id === 'conv2')!.params as Record<string, unknown>).kernelSize = 40;
    writeFileSync(path.join(editor.workspace, 'broken-net.json'), serializeGraph(broken));
    await openWorkspaceFile('broken-net.json');
    const runsBefore = readdirSync(path.join(editor.workspace, 'runs')).length;

    await page.keyboard.press('Control+Enter');
    const refused = page.locator('[data-testid="train-refused"]');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/Nothing started: \d+ problems? to fix first/);
    expect(await refused.textContent()).toContain('conv2');
    await editor.shot('train-07-refused');
    await page.waitForTimeout(500);
    expect(readdirSync(path.join(editor.workspace, 'runs')).length).toBe(runsBefore);
    expect(trainerPids()).toEqual([]);
  });

  it('stops a diverging run on NaN, naming the node and selecting it on the canvas', async () => {
    const { page } = editor;
    writeFileSync(path.join(editor.workspace, 'diverging.json'), serializeGraph(tinyRegressor({ steps: 300, lr: 1e12, optimizer: 'sgd' })));
    await openWorkspaceFile('diverging.json');
    await page.keyboard.press('Control+Enter');
    const error = page.locator('[data-testid="train-error"]');
    await error.waitFor({ timeout: 25_000 });
    expect(await error.getAttribute('data-code')).toBe('non-finite');
    const culprit = (await error.getAttribute('data-node'))!;
    expect(['conv1', 'bn1', 'act1', 'drop1', 'conv2', 'mse']).toContain(culprit);
    expect(await error.locator('.tw-train-alert-title').textContent()).toMatch(new RegExp(`NaN or infinite at step \\d+ — first in node '${culprit}'`));
    // The named node is selected, brought into view and ringed.
    await expect.poll(() => page.locator(`[data-testid="inspector-${culprit}"]`).count()).toBe(1);
    await expect.poll(() => page.locator(`.tw-node[data-node-id="${culprit}"]`).getAttribute('class')).toContain('tw-train-culprit');
    await editor.shot('train-08-nan');
    // Nothing in the graph changed: it can be fixed and run again.
    expect(await page.locator('[data-testid="dirty-marker"]').count()).toBe(0);
    expect(await page.locator('[data-testid="train-run"]').isEnabled()).toBe(true);
    expect(editor.errors).toEqual([]);
  });
});
