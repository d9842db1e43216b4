/**
 * The kernel/gradient audit: every PyTorch case in test/fixtures/audit runs
 * on cpu and on wasm, forward and gradient, and must match. The kernels the
 * cases reach make up the committed table test/fixtures/audit/kernels.json,
 * which the node coverage test (audit-coverage.test.ts) checks every node
 * against. After adding cases, refresh the table with
 *   AUDIT_UPDATE=1 npx vitest run test/core/backend/audit.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../core/tf';
import { selectBackend } from '../../../core/backend/select';
import { AUDIT_TABLE, loadAuditCases, runAuditCase, type AuditResult } from './audit';

const DEFAULT_TOLERANCE = 2e-5;
const BACKENDS = ['cpu', 'wasm'] as const;
const cases = loadAuditCases();
const results: Record<string, Map<string, AuditResult>> = { cpu: new Map(), wasm: new Map() };

beforeAll(async () => {
  await selectBackend('wasm');
});

describe.each(BACKENDS)('PyTorch audit cases on %s', (backend) => {
  const groups = [...new Set(cases.map((c) => c.group))];
  it.each(groups)('%s', async (group) => {
    await tf.setBackend(backend);
    const failures: string[] = [];
    for (const { id, c } of cases.filter((x) => x.group === group)) {
      const result = await runAuditCase(c);
      results[backend].set(id, result);
      const tolerance = c.tolerance ?? DEFAULT_TOLERANCE;
      for (const [what, error] of Object.entries(result.errors)) {
        if (!(error <= tolerance)) failures.push(`${id}: ${what} off by ${error.toExponential(2)} (tolerance ${tolerance}) on ${backend}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

/**
 * The table the cases imply, one line per kernel: how many cases reach it on
 * each backend, a few of them by name, and on which backends a case reaches
 * it in a differentiated forward pass (so its gradient is checked too).
 */
function deriveTable(): string {
  const kernels = new Map<string, { cases: string[]; reached: Record<string, number>; gradientChecked: string[] }>();
  for (const backend of BACKENDS) {
    for (const { id, c } of cases) {
      const result = results[backend].get(id);
      if (!result) continue;
      const differentiated = Object.keys(c.grads).length > 0;
      for (const kernel of new Set([...result.forward, ...result.backward])) {
        if (!kernels.has(kernel)) kernels.set(kernel, { cases: [], reached: { cpu: 0, wasm: 0 }, gradientChecked: [] });
        const entry = kernels.get(kernel)!;
        entry.reached[backend] += 1;
        if (entry.cases.length < 3 && !entry.cases.includes(id)) entry.cases.push(id);
        if (differentiated && result.forward.has(kernel) && !entry.gradientChecked.includes(backend)) entry.gradientChecked.push(backend);
      }
    }
  }
  const lines = [...kernels.keys()].sort().map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(kernels.get(k))}`);
  return `{\n "generator": "AUDIT_UPDATE=1 npx vitest run test/core/backend/audit.test.ts",\n "kernels": {\n${lines.join(',\n')}\n }\n}\n`;
}

describe('the audited-kernel table', () => {
  it('is exactly what the cases reach (refresh it with AUDIT_UPDATE=1 after adding cases)', () => {
    expect(results.cpu.size + results.wasm.size, 'the audit cases ran').toBe(2 * cases.length);
    const text = deriveTable();
    if (process.env.AUDIT_UPDATE === '1') writeFileSync(AUDIT_TABLE, text);
    expect(existsSync(AUDIT_TABLE), `${AUDIT_TABLE} is missing: run with AUDIT_UPDATE=1`).toBe(true);
    expect(readFileSync(AUDIT_TABLE, 'utf8')).toBe(text);
  });
});
