// Writes the JSON Schemas generated from the configuration's valibot schemas (scripts/jsonSchemas.ts):
// keybridge.schema.json and package.json `contributes.configuration`. Run `npm run schemas` after changing
// src/core/configSchema.ts, src/cli/fileSchema.ts or src/vscode/settings/settingsSchema.ts; a unit test fails until then.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url);
const bundle = new URL('out/scripts/jsonSchemas.cjs', root);
await build({
  entryPoints: [new URL('scripts/jsonSchemas.ts', root).pathname],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  outfile: bundle.pathname,
  logLevel: 'warning',
});
const { cliConfigJsonSchema, settingsContribution } = createRequire(import.meta.url)(bundle.pathname);

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

writeFileSync(new URL('keybridge.schema.json', root), json(cliConfigJsonSchema()));

const manifestFile = new URL('package.json', root);
const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
manifest.contributes.configuration = settingsContribution();
writeFileSync(manifestFile, json(manifest));
console.log('wrote keybridge.schema.json and package.json contributes.configuration');
