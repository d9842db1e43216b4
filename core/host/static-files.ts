/**
 * Mapping request paths to the built editor's files, shared by the browser
 * mode's HTTP server and Electron's app:// scheme.
 */
import path from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The file for a URL's (still encoded) pathname, or undefined when it would
 * leave the folder. Routes without an extension belong to the single-page
 * editor and get index.html.
 */
export function staticFileFor(encodedPathname: string, rootDir: string): string | undefined {
  let pathname: string;
  try {
    pathname = decodeURIComponent(encodedPathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const relative = pathname === '/' || !path.extname(pathname) ? 'index.html' : pathname.replace(/^\/+/, '');
  const file = path.resolve(rootDir, relative);
  const inside = path.relative(rootDir, file);
  if (inside.startsWith('..') || path.isAbsolute(inside)) return undefined;
  return file;
}
