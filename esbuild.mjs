// Bundles the extension and the headless CLI from the same core, and the dashboard's page script.
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

const production = process.argv.includes('--production');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  external: ['vscode'],
  define: { KEYBRIDGE_VERSION: JSON.stringify(version) },
};

await Promise.all([
  build({ ...common, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js' }),
  build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: '#!/usr/bin/env node' } }),
  // The usage dashboard's page script runs in the webview, a browser.
  build({
    ...common,
    entryPoints: ['src/webview/dashboard.ts'],
    outfile: 'dist/dashboard.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    external: [],
  }),
]);
