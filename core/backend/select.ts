/**
 * Picks the TensorFlow.js backend a training run uses and says why.
 *
 * The native bindings (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node) are
 * optional: their installers download the TensorFlow C library, which fails
 * offline, so they are often absent. They are loaded by name at run time and
 * only trusted if they register their 'tensorflow' backend on the engine our
 * `tf` uses; a binding that brought a different @tensorflow/tfjs-core copy
 * could register on that copy instead, and our ops would never reach it.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf';
import { installFastKernels } from './kernels/install';

export { installFastKernels };

export type BackendPreference = 'auto' | 'wasm' | 'cpu' | 'node' | 'node-gpu';

export interface BackendChoice {
  name: 'node-gpu' | 'node' | 'wasm' | 'cpu';
  /** `tf.getBackend()` after the choice: 'tensorflow', 'wasm' or 'cpu'. */
  tfBackend: string;
  /** One sentence for people: what was chosen and why the better options were skipped. */
  reason: string;
  tried: { name: string; ok: boolean; why: string }[];
}

type CandidateName = BackendChoice['name'];

export interface Probe {
  ok: boolean;
  /** Lower-case clause that completes "<package> ..." or "<backend> ...". */
  why: string;
}

const NATIVE_PACKAGES = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
} as const;

const INSTALL_HINTS: Record<CandidateName, string> = {
  'node-gpu':
    `install it with \`npm install @tensorflow/tfjs-node-gpu@${tf.version_core}\` (its installer downloads the TensorFlow C library, ` +
    'so it needs network access, and it runs only on Linux x64 with the CUDA and cuDNN versions its README lists)',
  node:
    `install it with \`npm install @tensorflow/tfjs-node@${tf.version_core}\` ` +
    '(its installer downloads the TensorFlow C library, so it needs network access)',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm so that its dist/*.wasm files are present',
  cpu: 'reinstall @tensorflow/tfjs-backend-cpu',
};

const requireHere = createRequire(import.meta.url);
/** Native probes are cached: loading a native addon is slow and its outcome cannot change within a process. */
const nativeProbes = new Map<string, Promise<Probe>>();
let wasmPathsConfigured = false;

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].trim();
}

function coreVersionSeenFrom(packageJsonPath: string): string | undefined {
  try {
    const requireThere = createRequire(packageJsonPath);
    return (requireThere('@tensorflow/tfjs-core/package.json') as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Loads an optional native binding and checks it registered on our engine.
 * `resolveFrom` is where the package is looked up (a file URL or path); tests
 * point it at a folder of stand-in packages.
 */
export async function loadNativeBinding(packageName: string, resolveFrom: string = import.meta.url): Promise<Probe> {
  const requireThere = createRequire(resolveFrom);
  let packageJsonPath: string;
  let entryPath: string;
  try {
    packageJsonPath = requireThere.resolve(`${packageName}/package.json`);
    entryPath = requireThere.resolve(packageName);
  } catch {
    return { ok: false, why: 'is not installed' };
  }
  try {
    await import(/* @vite-ignore */ pathToFileURL(entryPath).href);
  } catch (error) {
    return { ok: false, why: `is installed but failed to load: ${firstLine(error)}` };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    const theirCore = coreVersionSeenFrom(packageJsonPath);
    return {
      ok: false,
      why:
        `loaded but registered no 'tensorflow' backend on our @tensorflow/tfjs-core ${tf.version_core}` +
        `${theirCore && theirCore !== tf.version_core ? ` (it uses its own copy, ${theirCore})` : ''}; ` +
        `install ${packageName}@${tf.version_core} so that npm shares one copy`,
    };
  }
  return { ok: true, why: 'loaded the TensorFlow C library' };
}

async function probeNative(name: 'node-gpu' | 'node'): Promise<Probe> {
  const packageName = NATIVE_PACKAGES[name];
  let probe = nativeProbes.get(packageName);
  if (probe == null) {
    probe = loadNativeBinding(packageName);
    nativeProbes.set(packageName, probe);
  }
  const loaded = await probe;
  if (!loaded.ok) return loaded;
  // Both bindings register the same 'tensorflow' backend; initialising it is where a broken CUDA setup shows.
  const active = await activate('tensorflow');
  return active.ok ? loaded : { ok: false, why: `loaded but its 'tensorflow' backend ${active.why}` };
}

function configureWasmPaths(): void {
  // The Node build finds its .wasm files next to itself; saying so explicitly keeps that true when the JS is bundled.
  if (wasmPathsConfigured || tf.findBackend('wasm') != null) return;
  wasmPathsConfigured = true;
  try {
    const distFolder = path.join(path.dirname(requireHere.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    setWasmPaths(distFolder);
  } catch {
    // Keep the package's own lookup; activate() reports if it fails.
  }
}

async function activate(tfBackend: string): Promise<Probe> {
  if (tf.findBackendFactory(tfBackend) == null) return { ok: false, why: 'is not registered' };
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfBackend);
  } catch (error) {
    return { ok: false, why: `failed to initialise: ${firstLine(error)}` };
  }
  if (!ok || tf.getBackend() !== tfBackend) return { ok: false, why: 'failed to initialise (TensorFlow.js printed the cause above)' };
  return { ok: true, why: 'initialised' };
}

async function probeWasm(): Promise<Probe> {
  configureWasmPaths();
  const active = await activate('wasm');
  if (!active.ok) return active;
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return { ok: true, why: `initialised with SIMD ${simd ? 'on' : 'off'}, ${threads ? 'multi-threaded' : 'single-threaded'}` };
}

async function probe(name: CandidateName): Promise<Probe> {
  switch (name) {
    case 'node-gpu':
    case 'node':
      return probeNative(name);
    case 'wasm':
      return probeWasm();
    case 'cpu':
      return activate('cpu');
  }
}

function subject(name: CandidateName): string {
  return name === 'node-gpu' || name === 'node' ? NATIVE_PACKAGES[name] : `the ${name} backend`;
}

function describeChosen(name: CandidateName, why: string): string {
  if (name === 'wasm') {
    const simd = why.includes('SIMD on') ? 'SIMD' : 'no SIMD';
    return `wasm (${simd}, single-threaded in Node)`;
  }
  if (name === 'node-gpu') return 'node-gpu (TensorFlow C library with CUDA)';
  if (name === 'node') return 'node (TensorFlow C library, CPU)';
  return 'cpu (plain JavaScript)';
}

/** "a is not installed", or "a and b are not installed" when two skipped options share a cause. */
function describeSkipped(skipped: { name: CandidateName; why: string }[]): string {
  if (skipped.length === 2 && skipped[0].why === skipped[1].why && skipped[0].why.startsWith('is ')) {
    return `${subject(skipped[0].name)} and ${subject(skipped[1].name)} are ${skipped[0].why.slice(3)}`;
  }
  return skipped.map((s) => `${subject(s.name)} ${s.why}`).join('; ');
}

/**
 * Activates the preferred backend, or with 'auto' the first that works of
 * node-gpu, node, wasm, cpu, and installs our fast kernels. Safe to call
 * repeatedly. An explicit preference that cannot be honoured throws, naming
 * the cause and what to install.
 */
export async function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendChoice> {
  const order: CandidateName[] = preference === 'auto' ? ['node-gpu', 'node', 'wasm', 'cpu'] : [preference];
  const tried: BackendChoice['tried'] = [];
  for (const name of order) {
    const result = await probe(name);
    tried.push({ name, ok: result.ok, why: result.why });
    if (!result.ok) continue;
    installFastKernels();
    await tf.ready();
    const skipped = tried.filter((t) => !t.ok).map((t) => ({ name: t.name as CandidateName, why: t.why }));
    const chosen = describeChosen(name, result.why);
    const reason =
      preference !== 'auto'
        ? `${chosen}, as requested.`
        : skipped.length === 0
          ? `${chosen}: the fastest option available.`
          : `${chosen}: ${describeSkipped(skipped)}.`;
    return { name, tfBackend: tf.getBackend(), reason, tried };
  }
  if (preference !== 'auto') {
    const [failure] = tried;
    throw new Error(
      `Backend '${preference}' is unavailable: ${subject(preference)} ${failure.why}. ` +
        `To use it, ${INSTALL_HINTS[preference]}; or choose 'auto', which falls back to the best backend that works.`,
    );
  }
  throw new Error(`No TensorFlow.js backend could be initialised: ${tried.map((t) => `${t.name} ${t.why}`).join('; ')}.`);
}
