/**
 * The Content-Security-Policy of the editor, one for both hosts: scripts,
 * styles and connections come from the app itself and nowhere else. Inline
 * styles are allowed because React Flow positions nodes with style
 * attributes; inline scripts, eval, plugins, framing and remote content are not.
 */
export function contentSecurityPolicy(connectSources: string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${connectSources.map((source) => ` ${source}`).join('')}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
