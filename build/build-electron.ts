/**
 * Compiles the Electron side into dist/electron:
 *   main.mjs     the main process (ESM; npm packages stay external and load from node_modules)
 *   preload.cjs  the preload, one self-contained CommonJS file: a sandboxed
 *                preload may require nothing but 'electron' and a few built-ins
 *   trainer.mjs  the trainer for Electron's utilityProcess (electron/trainer-entry.ts)
 *
 * Usage: tsx build/build-electron.ts [--outdir DIR]
 */
import { build, type BuildOptions } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function buildElectron(outdir = path.join(REPO_ROOT, 'dist', 'electron')): Promise<{ main: string; preload: string; trainer: string }> {
  const common: BuildOptions = {
    bundle: true,
    platform: 'node',
    target: 'node22',
    sourcemap: 'linked',
    logLevel: 'warning',
    absWorkingDir: REPO_ROOT,
  };
  const files = {
    main: path.join(outdir, 'main.mjs'),
    preload: path.join(outdir, 'preload.cjs'),
    trainer: path.join(outdir, 'trainer.mjs'),
  };
  await Promise.all([
    build({
      ...common,
      entryPoints: [path.join(REPO_ROOT, 'electron', 'main.ts')],
      outfile: files.main,
      format: 'esm',
      packages: 'external',
      external: ['electron'],
    }),
    build({
      ...common,
      entryPoints: [path.join(REPO_ROOT, 'electron', 'preload.ts')],
      outfile: files.preload,
      format: 'cjs',
      // Everything but Electron is inlined: the sandbox cannot load node_modules.
      external: ['electron'],
      platform: 'browser',
      target: 'chrome130',
    }),
    build({
      ...common,
      entryPoints: [path.join(REPO_ROOT, 'electron', 'trainer-entry.ts')],
      outfile: files.trainer,
      format: 'esm',
      packages: 'external',
    }),
  ]);
  return files;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const index = process.argv.indexOf('--outdir');
  const outdir = index > 0 ? path.resolve(process.argv[index + 1]) : undefined;
  buildElectron(outdir).then(
    (files) => console.log(`built ${Object.values(files).map((f) => path.relative(REPO_ROOT, f)).join(', ')}`),
    (error) => {
      console.error(`build-electron: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
