/**
 * Finding Electron's executable without letting `require('electron')` start
 * a download by surprise: recent Electron packages fetch their binary on
 * first use, which fails (slowly or loudly) on machines without internet.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type ElectronBinary = { ok: true; path: string } | { ok: false; reason: string };

export function electronPackageDir(): string | undefined {
  try {
    return path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/** The installed binary, or why there is none. Never downloads. */
export function findElectronBinary(packageDir = electronPackageDir(), env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  if (!packageDir) return { ok: false, reason: 'the electron package is not installed (run `npm install`)' };
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const binary = path.join(env.ELECTRON_OVERRIDE_DIST_PATH, relative || 'electron');
    return existsSync(binary) ? { ok: true, path: binary } : { ok: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary at ${binary}` };
  }
  if (!relative) return { ok: false, reason: `Electron's binary is not installed (${path.join(packageDir, 'dist')} is missing)` };
  const binary = path.join(packageDir, 'dist', relative);
  return existsSync(binary) ? { ok: true, path: binary } : { ok: false, reason: `Electron's binary is missing at ${binary}` };
}

/** Runs Electron's own installer once, quietly; resolves with the failure's last line, or undefined on success. */
export function downloadElectron(packageDir: string, timeoutMs = 120_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(packageDir, 'install.js')], { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill(), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve(error.message);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve(undefined);
      const lines = output.split('\n').map((line) => line.trim()).filter(Boolean);
      const cause = lines.find((line) => /Error/.test(line)) ?? lines.at(-1);
      resolve(signal ? `the download timed out after ${timeoutMs / 1000} s` : (cause ?? `the installer exited with code ${code}`));
    });
  });
}
