import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layers (README, "Architecture"): core/ is the engine and imports no nodes,
 * renderer or electron code; nodes/ build on core/ only and, like the
 * renderer, run in the browser, so they import no Node modules; the
 * renderer imports no Node modules and none of core's Node-only files. The
 * entry points (bin.js, worker-boot.js, electron/, build/, renderer/main.tsx)
 * are where the node library is imported and passed in. Import cycles are
 * checked by test/architecture/imports.test.ts.
 */
const NODE_BUILTINS = ['fs', 'path', 'os', 'url', 'util', 'crypto', 'http', 'stream', 'zlib', 'module', 'worker_threads', 'child_process', 'events', 'buffer'];
const noNodeModules = [
  { regex: '^node:', message: 'this layer runs in the browser: no Node modules (file access reaches nodes through NodeIO, core/node-api.ts).' },
  { regex: `^(${NODE_BUILTINS.join('|')})(/.*)?$`, message: 'this layer runs in the browser: no Node modules.' },
];
/** core/ files that need Node (file system, processes, servers): the editor must not import them. */
const NODE_ONLY_CORE =
  '(^|/)core/(node-io|cli/.*|host/(?!csp$|ws-protocol$).*|train/(?!dataset-node$|optimizers$).*|data/(image-decoder|png|coco-files|folders-files)|backend/.*)$';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'runs/**', 'out/**', '**/*.schema.json'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', performance: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['core/**'],
    ignores: ['core/cli/bin.js', 'core/train/worker-boot.js'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '(^|/)(nodes|renderer|electron)(/|$)', message: 'core/ is the engine: it never imports nodes/, renderer/ or electron/. Take the node library as a parameter; the entry points pass it in.' },
          ],
        },
      ],
    },
  },
  {
    files: ['nodes/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noNodeModules,
            { regex: '(^|/)(renderer|electron)(/|$)', message: 'nodes/ build on core/ only.' },
            { regex: NODE_ONLY_CORE, message: 'nodes/ run in the editor too: this core file needs Node; reach files through NodeIO.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noNodeModules,
            { regex: '(^|/)electron(/|$)', message: 'the renderer speaks to its host through core/contract only.' },
            { regex: NODE_ONLY_CORE, message: 'this core file needs Node and cannot run in the editor.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**'],
    ignores: ['renderer/main.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...noNodeModules,
            { regex: '(^|/)electron(/|$)', message: 'the renderer speaks to its host through core/contract only.' },
            { regex: NODE_ONLY_CORE, message: 'this core file needs Node and cannot run in the editor.' },
            { regex: '(^|/)nodes(/|$)', message: 'only renderer/main.tsx imports the node library; read node types through editor/catalog.ts.' },
          ],
        },
      ],
    },
  },
);
