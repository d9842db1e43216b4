import { afterAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tf } from '../../../core/tf';
import { loadNativeBinding, selectBackend } from '../../../core/backend/select';
import { listFastKernels } from '../../../core/backend/kernels/install';

function isInstalled(packageName: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${packageName}/package.json`);
    return true;
  } catch {
    return false;
  }
}

// These expectations describe this machine, where the native bindings cannot be installed.
const nativeAbsent = !isInstalled('@tensorflow/tfjs-node') && !isInstalled('@tensorflow/tfjs-node-gpu');

describe('selectBackend', () => {
  it.runIf(nativeAbsent)("'auto' picks wasm and says why the native bindings were skipped", async () => {
    const choice = await selectBackend('auto');
    expect(choice.name).toBe('wasm');
    expect(choice.tfBackend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.reason).toMatch(/^wasm \((SIMD|no SIMD), single-threaded in Node\): /);
    expect(choice.reason).toContain('@tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node are not installed');
    expect(choice.tried.map((t) => [t.name, t.ok])).toEqual([
      ['node-gpu', false],
      ['node', false],
      ['wasm', true],
    ]);
    expect(choice.tried[2].why).toMatch(/SIMD (on|off)/);
  });

  it.runIf(nativeAbsent)("an explicit 'node' or 'node-gpu' that is unavailable throws, saying what to install", async () => {
    await expect(selectBackend('node')).rejects.toThrow(
      `Backend 'node' is unavailable: @tensorflow/tfjs-node is not installed. To use it, install it with \`npm install @tensorflow/tfjs-node@${tf.version_core}\``,
    );
    await expect(selectBackend('node-gpu')).rejects.toThrow(/@tensorflow\/tfjs-node-gpu is not installed.*CUDA/);
  });

  it("an explicit 'cpu' or 'wasm' is honoured, and calling repeatedly is harmless", async () => {
    for (const preference of ['cpu', 'wasm', 'cpu', 'wasm'] as const) {
      const choice = await selectBackend(preference);
      expect(choice.name).toBe(preference);
      expect(tf.getBackend()).toBe(preference);
      expect(choice.reason).toMatch(/as requested\.$/);
      expect(choice.tried).toHaveLength(1);
    }
    expect(listFastKernels().every((kernel) => kernel.installed)).toBe(true);
  });

  it('tensors created on one backend stay usable after switching', async () => {
    await selectBackend('cpu');
    const x = tf.tensor1d([1, 2, 3]);
    await selectBackend('wasm');
    const y = tf.mul(x, 2);
    expect(Array.from(await y.data())).toEqual([2, 4, 6]);
    tf.dispose([x, y]);
  });
});

describe('loadNativeBinding', () => {
  // Stand-in packages: a binding whose native library is missing, and one that registers nothing on our engine.
  const root = mkdtempSync(path.join(tmpdir(), 'tensorweave-native-'));
  const from = path.join(root, 'resolve-from.js');
  function fakePackage(name: string, source: string): void {
    const folder = path.join(root, 'node_modules', name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.cjs' }));
    writeFileSync(path.join(folder, 'index.cjs'), source);
  }
  fakePackage('broken-binding', "throw new Error('libtensorflow.so.2: cannot open shared object file\\nmore detail');");
  fakePackage('silent-binding', 'module.exports = {};');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reports a missing package as not installed', async () => {
    expect(await loadNativeBinding('absent-binding', from)).toEqual({ ok: false, why: 'is not installed' });
  });

  it('reports the first line of the load error of an installed package', async () => {
    expect(await loadNativeBinding('broken-binding', from)).toEqual({
      ok: false,
      why: 'is installed but failed to load: libtensorflow.so.2: cannot open shared object file',
    });
  });

  it.runIf(nativeAbsent)('rejects a package that loads but registers no backend on our engine', async () => {
    const probe = await loadNativeBinding('silent-binding', from);
    expect(probe.ok).toBe(false);
    expect(probe.why).toContain(`registered no 'tensorflow' backend on our @tensorflow/tfjs-core ${tf.version_core}`);
  });
});
