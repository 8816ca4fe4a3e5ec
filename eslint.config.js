// One script holds the layers of ../shared/DESIGN.md: imports point down the list only.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'zlib', 'stream', 'url', 'crypto', 'events', 'util', 'worker_threads'];
const layer = (folder) => [`**/${folder}/**`, `../${folder}/*`, `../../${folder}/*`, `../${folder}`];
const bad = (from, what) => `Bad layering. You are not allowed to access ${what} from src/${from}.`;

/** @param {string} from @param {{layers?: string[], node?: boolean, electron?: boolean, react?: boolean}} deny */
function restrict(from, deny) {
  const patterns = [];
  for (const l of deny.layers ?? []) patterns.push({ group: layer(l), message: bad(from, `src/${l}`) });
  if (deny.node) patterns.push({ group: nodeBuiltins, message: bad(from, 'Node built-ins') });
  if (deny.electron) patterns.push({ group: ['electron', 'electron/*', 'electron-store'], message: bad(from, 'Electron') });
  if (deny.react) patterns.push({ group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'recharts'], message: bad(from, 'React') });
  return { files: [`src/${from}/**/*.{ts,tsx}`], rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

export default tseslint.config(
  { ignores: ['node_modules', 'out', 'dist', '.cache', 'bench/tmp', 'test/fixtures/**/*.go'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  restrict('shared', { layers: ['analysis', 'collectors', 'engine', 'main', 'preload', 'renderer', 'cli'], node: true, electron: true, react: true }),
  restrict('analysis', { layers: ['collectors', 'engine', 'main', 'preload', 'renderer', 'cli'], node: true, electron: true, react: true }),
  restrict('collectors', { layers: ['engine', 'main', 'preload', 'renderer', 'cli'], electron: true, react: true }),
  restrict('engine', { layers: ['main', 'preload', 'renderer', 'cli'], electron: true, react: true }),
  restrict('main', { layers: ['preload', 'renderer', 'cli'], react: true }),
  restrict('preload', { layers: ['analysis', 'collectors', 'engine', 'main', 'renderer', 'cli'], node: true, react: true }),
  restrict('renderer', { layers: ['collectors', 'engine', 'main', 'preload', 'cli'], node: true, electron: true }),
  restrict('cli', { layers: ['main', 'preload', 'renderer'], electron: true, react: true }),
);
